"""The currency of a what-if's expected deals: the currency of the payee's published plans.

A payee's plans in a period are their plan assignments overlapping it and, for each plan, the
versions in force on those days (a version runs to the day before the next one). One currency among
them: the deal size is entered in it, the orders per call and average order value are learned from
the won orders in it, and the expected revenue is kept to its minor unit (fils for a KWD plan).
Several, or none (the payee is on no plan): nothing is guessed (never a silent USD). The what-if page
asks the user to choose (``deal_currency``: choices limited to the plans' currencies); the
``what_if`` service, which has no one to ask, says ANA012 for such a payee's expected booking
(``booking_currencies``).

The dashboards' expected commission is never ANA012 for a payee on plans in two currencies: it prices
each currency's pipeline through the payee's plans in that currency and leaves out, with a note, the
pipeline no plan of theirs pays in (``payee_plan_currencies``, used by
``attain.services.forecast.pipeline_commission``; ``attain forecast --commission`` prints the same note).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc

from attain.analytics.compute import Window
from attain.core.errors import AttainError, register
from attain.core.money import minor_unit
from attain.plans.schema import PlanDocument

CENT = Decimal("0.01")
ANA012 = register("ANA012", "A what-if deal currency is not one of the plans' currencies, or a payee's "
                            "plans pay in several currencies (or the payee is on none) and none was chosen")


def _version_spans(plans: Sequence[PlanDocument]) -> dict[str, list[tuple[date, date, str]]]:
    """Per plan: each version's days in force (to the day before the next version) and its currency."""
    spans: dict[str, list[tuple[date, date, str]]] = defaultdict(list)
    docs = sorted(plans, key=lambda d: (d.plan, d.effective_from, d.version))
    for doc, following in zip(docs, [*docs[1:], None], strict=True):
        end = doc.effective_to or date.max
        if following is not None and following.plan == doc.plan:
            end = min(end, following.effective_from - timedelta(days=1))
        spans[doc.plan].append((doc.effective_from, end, doc.currency))
    return spans


def payee_plan_currencies(tables: dict[str, pa.Table], plans: Sequence[PlanDocument],
                          payee_ids: Sequence[str], window: Window) -> dict[str, set[str]]:
    """The currencies of the plans each payee is on during ``window``: their plan assignments there and
    the versions in force on those days (a payee on no plan is left out)."""
    assigned = tables["plan_assignment"]
    ids = pa.array(list(payee_ids), pa.string())
    first, last = pa.scalar(window.start, pa.date32()), pa.scalar(window.end, pa.date32())
    overlap = pc.and_(pc.is_in(assigned["payee_id"], ids),
                      pc.and_(pc.less_equal(assigned["valid_from"], last),
                              pc.or_kleene(pc.is_null(assigned["valid_to"]),
                                           pc.greater_equal(assigned["valid_to"], first))))
    spans = _version_spans(plans)
    found: dict[str, set[str]] = defaultdict(set)
    for row in assigned.filter(overlap).select(["payee_id", "plan_id", "valid_from", "valid_to"]).to_pylist():
        low = max(row["valid_from"], window.start)
        high = min(row["valid_to"] or date.max, window.end)
        found[row["payee_id"]].update(currency for start, end, currency in spans.get(row["plan_id"], [])
                                      if start <= high and end >= low)
    return {who: currencies for who, currencies in found.items() if currencies}


def booking_currencies(tables: dict[str, pa.Table], plans: Sequence[PlanDocument], payee_ids: Sequence[str],
                       window: Window) -> dict[str, str]:
    """The currency of each payee's expected booking in the ``what_if`` service (and ``commission_for``
    without a currency): their plans' one currency; a payee on no plan takes the one currency all the
    plans share. ANA012 otherwise (nothing is guessed; the what-if page asks instead, the dashboards
    price per currency and never get here)."""
    chosen = {}
    for who, currencies in _booking_choices(tables, plans, payee_ids, window).items():
        if len(currencies) != 1:
            raise AttainError(f"the plans of {who} in {window.label} pay in {_listed(currencies)}: "
                              "choose the currency of the expected deals", code=ANA012)
        chosen[who] = next(iter(currencies))
    return chosen


def booking_currency_or_none(tables: dict[str, pa.Table], plans: Sequence[PlanDocument],
                             payee_ids: Sequence[str], window: Window) -> dict[str, str | None]:
    """``booking_currencies`` without the error: None for a payee it would refuse (several, or none)."""
    return {who: next(iter(currencies)) if len(currencies) == 1 else None
            for who, currencies in _booking_choices(tables, plans, payee_ids, window).items()}


def _booking_choices(tables: dict[str, pa.Table], plans: Sequence[PlanDocument], payee_ids: Sequence[str],
                     window: Window) -> dict[str, set[str]]:
    own = payee_plan_currencies(tables, plans, payee_ids, window)
    shared = {plan.currency for plan in plans}
    return {who: own.get(who) or shared for who in payee_ids}


def _listed(currencies: set[str] | Sequence[str]) -> str:
    names = sorted(currencies)
    if not names:
        return "no currency (no published plan)"
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


@dataclass(frozen=True)
class DealCurrency:
    """The currency of a what-if's deal size and expected bookings.

    ``plans``: the currencies of the subject's published plans in the period. One of them: that one,
    fixed. Several, or none (the subject is on no plan): the user chooses among ``choices`` (the
    subject's plans' currencies, else every published plan's) and ``chosen`` stays None until then."""

    plans: tuple[str, ...]
    choices: tuple[str, ...]
    chosen: str | None
    note: str = ""

    @property
    def fixed(self) -> bool:
        """The subject's plans name one currency: nothing to choose."""
        return len(self.plans) == 1

    @property
    def quantum(self) -> Decimal:
        """The chosen currency's minor unit (revenue is kept to it); the cent until one is chosen."""
        return CENT if self.chosen is None else Decimal(1).scaleb(-minor_unit(self.chosen))


def deal_currency(tables: dict[str, pa.Table], plans: Sequence[PlanDocument], payee_ids: Sequence[str],
                  window: Window, who: str, asked: str | None = None) -> DealCurrency:
    """The deal currency of a what-if about ``payee_ids`` (``who`` names them in the note): their plans'
    one currency, else ``asked`` when it is one of the choices; ANA012 for a currency outside them."""
    own = payee_plan_currencies(tables, plans, payee_ids, window)
    mine = tuple(sorted(set().union(*own.values()))) if own else ()
    choices = mine or tuple(sorted({plan.currency for plan in plans}))
    asked = (asked or "").strip().upper() or None
    if asked is not None and asked not in choices:
        raise AttainError(f"the deal currency must be {' or '.join(choices) or 'a published plan currency'}, "
                          f"not {asked!r}", code=ANA012)
    if len(mine) == 1:
        return DealCurrency(mine, mine, mine[0])
    if mine:
        note = (f"The plans of {who} in {window.label} pay in {_listed(mine)}: choose the currency of "
                "the deal size; the commission is calculated once it is chosen.")
    elif choices:
        note = (f"{who} is on no published plan in {window.label}: choose the currency of the deal size "
                f"({_listed(choices)}, the published plans' currencies).")
    else:
        note = "No published plan names a currency: the deal size has none."
    return DealCurrency(mine, choices, asked, "" if asked else note)
