"""The currency of each figure a page shows from a run: each component total's, each measure's (its plan's).

A payee may be on two plans in two currencies in one period (a KWD commission plan and a USD SPIFF
plan). Each figure is in its own plan's currency and shown at that currency's places, and amounts in
different currencies are never added into one number (``per_currency``: one total per currency).

- a component total carries its currency (``run_component_total.currency``: its plan's, before any
  conversion to the currency the payee is paid in);
- an earning line is in its plan version's currency (``plan_id``/``plan_version``, ``plan_currency``);
- a measure is in the currency of the plan that defines it. The run's plan documents
  (``calc_run.plan_versions``) name each plan's measures (declared, or named by a component) and its
  components; the payee's component totals of the period say which plans they were on and in which
  currency. A measure whose plans disagree, or that no total places, is looked up in the run's plan
  documents alone (known when they name one currency).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from sqlalchemy import Connection, select

from attain.plans.load import load_plan_text
from attain.plans.schema import PlanDocument
from attain.store.plans import find_version
from attain.store.tables import calc_run, run_component_total

Key = tuple[str, str, str]
"""(payee_id, period_label, component or measure id)."""


@lru_cache(maxsize=64)
def parsed_plan(plan_id: str, version: int, sha256: str, document: str) -> PlanDocument | None:
    """A stored plan version as a document (published versions never change: cached by content hash)."""
    return load_plan_text(document, source=f"{plan_id}@{version}").document


def plan_document(conn: Connection, plan_id: str, version: int) -> PlanDocument | None:
    """The stored plan version as a document (None when missing or unreadable)."""
    stored = find_version(conn, plan_id, version)
    if stored is None:
        return None
    return parsed_plan(stored.plan_id, stored.version, stored.sha256, stored.document)


def plan_currency(conn: Connection, plan_id: str, version: int) -> str | None:
    """The currency a plan version measures and earns in."""
    document = plan_document(conn, plan_id, version)
    return None if document is None else document.currency


def run_plans(conn: Connection, run_id: int) -> list[PlanDocument]:
    """The plan versions the run calculated with (``calc_run.plan_versions``), as documents."""
    recorded = conn.execute(select(calc_run.c.plan_versions).where(calc_run.c.id == run_id)).scalar()
    documents = []
    for plan_id, versions in sorted(dict(recorded or {}).items()):
        for version in versions:
            document = plan_document(conn, plan_id, int(version))
            if document is not None:
                documents.append(document)
    return documents


def per_currency(amounts: Iterable[tuple[str | None, Decimal]]) -> dict[str | None, Decimal]:
    """Amounts summed exactly per currency (never across currencies), in the order first met."""
    totals: dict[str | None, Decimal] = {}
    for currency, amount in amounts:
        totals[currency] = totals.get(currency, Decimal(0)) + amount
    return totals


@dataclass(frozen=True)
class RunCurrencies:
    """The currency of each component total and each measure of some payees in a run."""

    components: dict[Key, str] = field(default_factory=dict)
    measures: dict[Key, str] = field(default_factory=dict)
    documents: dict[str, set[str]] = field(default_factory=dict)
    """Measure id -> the currencies of the run's plans that define it (when no total places it)."""

    def of_payee(self, payee_id: str, period_label: str) -> tuple[str, ...]:
        """The payee's plan currencies in the period, by code (one per plan currency, not the first)."""
        return tuple(sorted({currency for (payee, period, _), currency in self.components.items()
                             if payee == payee_id and period == period_label}))

    def only(self, payee_id: str, period_label: str) -> str | None:
        """The payee's one plan currency in the period; None with none or several."""
        found = self.of_payee(payee_id, period_label)
        return found[0] if len(found) == 1 else None

    def measure(self, payee_id: str, period_label: str, measure_id: str) -> str | None:
        """The measure's plan currency: placed by the payee's totals, else the run's plans' when they name
        one for it (None when not known)."""
        found = self.measures.get((payee_id, period_label, measure_id))
        if found is not None:
            return found
        currencies = self.documents.get(measure_id, set())
        return next(iter(currencies)) if len(currencies) == 1 else None

    def component(self, payee_id: str, period_label: str, component_id: str) -> str | None:
        return self.components.get((payee_id, period_label, component_id))


@dataclass(frozen=True)
class _PlanShapes:
    """Which plans have a component of each id, and each plan's measure ids (every version)."""

    plans_of_component: dict[str, set[str]]
    measures_of_plan: dict[str, set[str]]
    currencies_of_measure: dict[str, set[str]]


def _shapes(plans: list[PlanDocument]) -> _PlanShapes:
    plans_of_component: dict[str, set[str]] = defaultdict(set)
    measures_of_plan: dict[str, set[str]] = defaultdict(set)
    currencies_of_measure: dict[str, set[str]] = defaultdict(set)
    for plan in plans:
        named = {m.id for m in plan.measures}
        named |= {m for m in (getattr(c, "measure", None) for c in plan.components) if m}
        measures_of_plan[plan.plan] |= named
        for measure_id in named:
            currencies_of_measure[measure_id].add(plan.currency)
        for component in plan.components:
            plans_of_component[component.id].add(plan.plan)
    return _PlanShapes(plans_of_component, measures_of_plan, currencies_of_measure)


def run_currencies(
    conn: Connection, run_id: int, payee_ids: list[str] | None, period_label: str | None = None
) -> RunCurrencies:
    """The currencies of the run's component totals and measures for the payees (None: every payee of the
    run) in ``period_label`` (None: every period)."""
    t = run_component_total.c
    query = select(t.payee_id, t.period_label, t.component_id, t.currency).where(t.run_id == run_id)
    if payee_ids is not None:
        query = query.where(t.payee_id.in_(payee_ids))
    if period_label is not None:
        query = query.where(t.period_label == period_label)
    components = {(r.payee_id, r.period_label, r.component_id): r.currency for r in conn.execute(query)}
    shapes = _shapes(run_plans(conn, run_id))
    return RunCurrencies(components, _measure_currencies(components, shapes), shapes.currencies_of_measure)


def _measure_currencies(components: dict[Key, str], shapes: _PlanShapes) -> dict[Key, str]:
    """Each measure of each payee and period in the currency of the payee's plan that defines it."""
    plan_currencies: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for (payee, period, component), currency in components.items():
        for plan in shapes.plans_of_component.get(component, ()):
            plan_currencies[(payee, period)][plan].add(currency)
    found: dict[Key, str] = {}
    for (payee, period), plans in plan_currencies.items():
        measure_currencies: dict[str, set[str]] = defaultdict(set)
        for plan, currencies in plans.items():
            for measure_id in shapes.measures_of_plan.get(plan, ()):
                measure_currencies[measure_id] |= currencies
        for measure_id, currencies in measure_currencies.items():
            if len(currencies) == 1:
                found[(payee, period, measure_id)] = next(iter(currencies))
    return found
