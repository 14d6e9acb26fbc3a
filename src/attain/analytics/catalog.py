"""The metric catalog: every metric a definition as data, computed the same way everywhere.

Two layers, both DuckDB SQL over the fact views of ``attain.analytics.views``:

- a **measure** is one aggregate over the rows of one fact view (``deal``, ``act`` or ``target``)
  that meet its condition, e.g. ``sum(amount)`` where ``status = 'won'``. Measures are exact:
  integers, DECIMAL sums, and medians (a DECIMAL median of money; a DOUBLE median of whole days,
  never of money). Unless ``snapshot`` is set, a measure only counts rows whose ``day`` falls
  in the period asked for.
- a **metric** is ``numerator ÷ denominator``, each an SQL expression over measure names written
  ``{name}`` (``{prev.name}`` for the previous period). The division happens in DuckDB with
  integer arithmetic (DuckDB decimal ``/`` returns DOUBLE, so never that): ``value`` is exact to
  ``RATIO_PLACES`` places, rounded half-even; a metric without denominator is its numerator as computed.

docs/metrics.md lists every metric with its formula and its value on the sample company.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Fact = Literal["deal", "act", "target", "survey"]
Direction = Literal["higher", "lower"]


@dataclass(frozen=True)
class Measure:
    """One aggregate over the rows of a fact view that meet ``where``.

    ``snapshot`` measures ignore the period (the state as of now); ``empty`` is the value where no
    row matches (0 for counts and sums, None for medians).
    """

    name: str
    fact: Fact
    aggregate: str
    where: str = "TRUE"
    snapshot: bool = False
    empty: int | None = 0
    prorated: bool = False
    """A quota-like measure: rows overlapping the period, ``{start}``/``{end}`` in the aggregate
    replaced by the period's dates (``attain.analytics.views.quota_in``)."""


@dataclass(frozen=True)
class Metric:
    """A metric: numerator ÷ denominator over measures, with its unit, direction and grain."""

    name: str
    label: str
    numerator: str
    denominator: str | None
    unit: str
    direction: Direction
    grain: str
    description: str


WON = "status = 'won'"
LOST = "status = 'lost'"
OPEN = "status = 'open'"
SCHEDULED = "kind IN ('meeting_scheduled', 'appointment_scheduled')"

MEASURES: tuple[Measure, ...] = (
    Measure("won_value", "deal", "sum(amount)", WON),
    Measure("won_deals", "deal", "count(*)", WON),
    Measure("lost_deals", "deal", "count(*)", LOST),
    Measure("median_won_value", "deal", "median(amount)", WON, empty=None),
    Measure("won_cycle_days", "deal", "sum(cycle_days)", WON),
    Measure("median_won_cycle", "deal", "median(cycle_days)", WON, empty=None),
    Measure("deals", "deal", "count(*)", snapshot=True),
    Measure("engaged_deals", "deal", "count(*)", "engage_date IS NOT NULL", snapshot=True),
    Measure("all_won_deals", "deal", "count(*)", WON, snapshot=True),
    Measure("open_value", "deal", "sum(pipeline_value)", OPEN, snapshot=True),
    Measure("open_deals", "deal", "count(*)", OPEN, snapshot=True),
    Measure("responded_leads", "deal", "count(response_days)", snapshot=True),
    Measure("response_days", "deal", "sum(response_days)", snapshot=True),
    Measure("customers", "deal", "count(DISTINCT account_id)", WON),
    Measure("repeat_customers", "deal", "count(DISTINCT account_id)", f"{WON} AND account_won_deals >= 2"),
    Measure("lifetime_won_value", "deal", "sum(amount)", WON, snapshot=True),
    Measure("lifetime_customers", "deal", "count(DISTINCT account_id)", WON, snapshot=True),
    Measure("lifetime_margin", "deal", "sum(amount - cost)", f"{WON} AND cost IS NOT NULL", snapshot=True),
    Measure("margin_customers", "deal", "count(DISTINCT account_id)", f"{WON} AND cost IS NOT NULL",
            snapshot=True),
    Measure("commit_value", "deal", "sum(pipeline_value)", f"{OPEN} AND category = 'commit'"),
    Measure("best_case_value", "deal", "sum(pipeline_value)", f"{OPEN} AND category = 'best_case'"),
    Measure("quota", "target",
            "sum(prorated(amount, period_start, period_end, {start}, {end}, places := minor_unit))",
            prorated=True),
    Measure("survey_responses", "survey", "count(*)"),
    Measure("satisfied_responses", "survey", "count(*)", "score >= 4"),
    Measure("survey_score_total", "survey", "sum(score)"),
    Measure("activities", "act", "count(*)"),
    Measure("calls", "act", "count(*)", "kind = 'call'"),
    Measure("appointments_scheduled", "act", "count(*)", SCHEDULED),
    Measure("appointments_held", "act", "count(*)", "kind IN ('meeting_held', 'appointment_held')"),
    Measure("appointments_cancelled", "act", "count(*)",
            "kind IN ('meeting_cancelled', 'appointment_cancelled')"),
    Measure("quotes_sent", "act", "count(*)", "kind = 'quote_sent'"),
    Measure("followed_up_deals", "act", "count(DISTINCT opportunity_id)",
            f"{SCHEDULED} AND deal_followed_up"),
    Measure("engaged_activity_deals", "act", "count(DISTINCT opportunity_id)", SCHEDULED),
)

REMAINING_QUOTA = "CASE WHEN {quota} > coalesce({won_value}, 0) THEN {quota} - coalesce({won_value}, 0) END"


def _m(name: str, label: str, numerator: str, denominator: str | None, unit: str,
       direction: Direction, grain: str, description: str) -> Metric:
    return Metric(name, label, numerator, denominator, unit, direction, grain, description)


METRICS: tuple[Metric, ...] = (
    _m("revenue", "Revenue (won value)", "{won_value}", None, "USD", "higher", "close date",
       "Sum of the close value of won deals."),
    _m("won_deals", "Won deals", "{won_deals}", None, "deals", "higher", "close date",
       "Number of deals won."),
    _m("lost_deals", "Lost deals", "{lost_deals}", None, "deals", "lower", "close date",
       "Number of deals lost."),
    _m("win_rate", "Win rate", "{won_deals}", "{won_deals} + {lost_deals}", "ratio", "higher",
       "close date", "Won ÷ (won + lost): open deals are excluded."),
    _m("conversion_rate", "Lead conversion", "{all_won_deals}", "{deals}", "ratio", "higher",
       "snapshot", "Won ÷ every opportunity (qualified lead) ever created, open ones included."),
    _m("average_deal_size", "Average deal size", "{won_value}", "{won_deals}", "USD", "higher",
       "close date", "Won value ÷ won deals."),
    _m("median_deal_size", "Median deal size", "{median_won_value}", None, "USD", "higher",
       "close date", "Median close value of won deals."),
    _m("sales_cycle_days", "Sales cycle (mean days)", "{won_cycle_days}", "{won_deals}", "days",
       "lower", "close date", "Mean days from engage date to close date, won deals."),
    _m("median_sales_cycle_days", "Sales cycle (median days)", "{median_won_cycle}", None, "days",
       "lower", "close date", "Median days from engage date to close date, won deals."),
    _m("open_pipeline", "Open pipeline", "{open_value}", None, "USD", "higher", "snapshot",
       "Open deals priced at their product's list price (no close value until closed)."),
    _m("open_deals", "Open deals", "{open_deals}", None, "deals", "higher", "snapshot",
       "Number of open deals (Prospecting and Engaging)."),
    _m("quota", "Quota", "{quota}", None, "USD", "higher", "quota period (prorated by days)",
       "Individual sellers' quotas overlapping the period, prorated by days (team quotas not counted "
       "twice)."),
    _m("quota_attainment", "Quota attainment", "{won_value}", "{quota}", "ratio", "higher",
       "close date / quota period", "Revenue ÷ quota."),
    _m("pipeline_coverage", "Pipeline coverage", "{open_value}", REMAINING_QUOTA, "ratio", "higher",
       "snapshot ÷ period", "Open pipeline ÷ remaining quota (quota − revenue; empty when met)."),
    _m("sales_growth", "Sales growth", "{won_value} - {prev.won_value}", "{prev.won_value}", "ratio",
       "higher", "close date", "(Revenue − previous period's revenue) ÷ previous period's revenue."),
    _m("sales_velocity", "Sales velocity (USD/day)",
       "{open_deals} * {won_value} * {won_deals}", "({won_deals} + {lost_deals}) * {won_cycle_days}",
       "USD/day", "higher", "close date + snapshot",
       "Open deals × average deal size × win rate ÷ mean sales cycle (days)."),
    _m("prospect_to_engage", "Prospecting → Engaging", "{engaged_deals}", "{deals}", "ratio",
       "higher", "snapshot", "Share of all deals that reached the Engaging stage."),
    _m("engage_to_won", "Engaging → Won", "{all_won_deals}", "{engaged_deals}", "ratio", "higher",
       "snapshot", "Share of engaged deals that were won (open engaged deals count as not yet won)."),
    _m("lead_response_days", "Lead response time (days)", "{response_days}", "{responded_leads}",
       "days", "lower", "snapshot",
       "Mean days from lead created (created_date or lead_created activity) to the first other activity."),
    _m("activities", "Activities", "{activities}", None, "activities", "higher", "activity date",
       "Every logged activity."),
    _m("calls", "Calls", "{calls}", None, "calls", "higher", "activity date", "Calls made."),
    _m("appointments_scheduled", "Appointments scheduled", "{appointments_scheduled}", None,
       "appointments", "higher", "activity date", "Meetings or appointments booked."),
    _m("appointments_held", "Appointments held", "{appointments_held}", None, "appointments",
       "higher", "activity date", "Meetings or appointments that took place."),
    _m("appointments_cancelled", "Appointments cancelled", "{appointments_cancelled}", None,
       "appointments", "lower", "activity date", "Meetings or appointments cancelled."),
    _m("quotes_sent", "Quotes sent", "{quotes_sent}", None, "quotes", "higher", "activity date",
       "Quotes sent."),
    _m("follow_up_rate", "Follow-up rate", "{followed_up_deals}", "{engaged_activity_deals}", "ratio",
       "higher", "activity date",
       "Of the deals with an appointment scheduled in the period, the share that got a follow-up."),
    _m("won_per_activity", "Closed-won per activity", "{won_deals}", "{activities}", "ratio", "higher",
       "close date ÷ activity date", "Won deals ÷ activities in the same period (sales productivity)."),
    _m("repeat_purchase_rate", "Repeat purchase rate", "{repeat_customers}", "{customers}", "ratio",
       "higher", "close date",
       "Customers with two or more won deals over the relationship ÷ customers with a won deal."),
    _m("value_per_customer", "Value per customer", "{won_value}", "{customers}", "USD", "higher",
       "close date", "Won value ÷ distinct customers with a won deal."),
    _m("customer_lifetime_value", "Customer lifetime value", "{lifetime_won_value}", "{lifetime_customers}",
       "USD", "higher", "relationship (snapshot)",
       "Won value over the whole relationship ÷ customers who ever bought (historical CLV)."),
    _m("margin_per_customer", "Contribution margin per customer", "{lifetime_margin}", "{margin_customers}",
       "USD", "higher", "relationship (snapshot)",
       "Won value − cost over the whole relationship ÷ those customers; only deals whose transactions "
       "state their cost (transaction attribute `cost`)."),
    _m("commit_forecast", "Commit forecast", "{won_value} + {commit_value}", None, "USD", "higher",
       "close date (expected for open deals)",
       "Won in the period + open deals in the Commit category expected to close in it."),
    _m("best_case_forecast", "Best-case forecast", "{won_value} + {commit_value} + {best_case_value}", None,
       "USD", "higher", "close date (expected for open deals)",
       "Commit forecast + open Best Case deals expected to close in the period."),
    _m("csat", "CSAT (satisfied share)", "{satisfied_responses}", "{survey_responses}", "ratio", "higher",
       "survey date", "Survey answers scoring 4 or 5 (of 5) ÷ all answers."),
    _m("average_csat_score", "CSAT (mean score)", "{survey_score_total}", "{survey_responses}", "score",
       "higher", "survey date", "Mean survey score, 1..5."),
)

RATIO_PLACES = 10
"""Places kept on a divided metric (half-even); the numerator and denominator are kept exact too."""


def metric(name: str) -> Metric:
    """The catalog entry called ``name``."""
    for entry in METRICS:
        if entry.name == name:
            return entry
    raise KeyError(f"no metric {name!r}; known: {', '.join(m.name for m in METRICS)}")


def measure_names() -> list[str]:
    """Every measure name, in catalog order."""
    return [m.name for m in MEASURES]
