"""The inputs a run for some payees needs: the transactions that can credit them or their teams.

A ``--payee`` run calculates only what the selected payees' numbers depend on. Payees are coupled
only through crediting: a payee's credits come from transactions they are credited on (owner,
opportunity split, territory or overlay holder) and, through roll-ups, from transactions credited
to the people who report to them. So the run keeps every transaction that any rule could credit
to a payee of the *team* (the selected payees and everyone reporting to them, directly or not, at
any date), plus the transactions linked to those deals (invoices and payments of the same
opportunity release holds; cancellations and returns point at their original with
``reverses_id``). Everything else (payees, hierarchy, splits, quotas, plans) is kept whole, so
crediting, measures, tiers, draws and holds come out exactly as in a run of everyone; the caller
keeps only the selected payees' rows. The selection is a superset (an extra transaction credits
someone else and is dropped with their rows), never a subset. An overlay naming payees of the
team credits every transaction its filter matches: then nothing is left out.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from attain.engine import InputTables
from attain.plans.schema import CreditKind, PlanDocument


def _values(table: pa.Table, column: str, where: pa.ChunkedArray | None = None) -> pa.Array:
    """The distinct non-null values of a column (of the rows ``where`` selects)."""
    data = table.filter(where) if where is not None else table
    if not data.num_rows:
        return pa.array([], table.schema.field(column).type)
    return pc.unique(pc.drop_null(data.column(column).combine_chunks()))


def _isin(column: pa.ChunkedArray, values: pa.Array) -> pa.ChunkedArray:
    return pc.fill_null(pc.is_in(column, value_set=values), False)


def team_of(inputs: InputTables, payees: list[str]) -> pa.Array:
    """The payees and everyone reporting to them at any date, at any depth."""
    lines = inputs["reporting_line"]
    team = pa.array(sorted(set(payees)), pa.string())
    while True:
        reports = _values(lines, "payee_id", _isin(lines.column("manager_id"), team))
        grown = pc.unique(pa.concat_arrays([team, reports.cast(pa.string())]))
        if len(grown) == len(team):
            return team
        team = grown


def _rule_kinds(plans: list[PlanDocument]) -> set[CreditKind]:
    return {rule.kind for doc in plans for rule in doc.credit_rules}


def _names_team_member(plans: list[PlanDocument], team: pa.Array) -> bool:
    members = set(team.to_pylist())
    return any(
        rule.kind is CreditKind.OVERLAY and rule.payees and members & set(rule.payees)
        for doc in plans
        for rule in doc.credit_rules
    )


def crediting_transactions(inputs: InputTables, plans: list[PlanDocument], team: pa.Array) -> pa.ChunkedArray:
    """A mask of the transactions some rule of ``plans`` could credit to a member of ``team``."""
    deals = inputs["transaction"]
    mask = _isin(deals.column("owner_id"), team)  # owner rules, and splits falling back to the owner
    kinds = _rule_kinds(plans)
    if CreditKind.SPLIT in kinds:
        splits = inputs["opportunity_split"]
        opportunities = _values(splits, "opportunity_id", _isin(splits.column("payee_id"), team))
        mask = pc.or_(mask, _isin(deals.column("opportunity_id"), opportunities))
    if kinds & {CreditKind.TERRITORY, CreditKind.OVERLAY}:
        held = inputs["territory_assignment"]
        territories = _values(held, "territory_id", _isin(held.column("payee_id"), team))
        mapped = inputs["account_territory"]
        accounts = _values(mapped, "account_id", _isin(mapped.column("territory_id"), territories))
        mask = pc.or_(mask, _isin(deals.column("territory_id"), territories))
        mask = pc.or_(mask, _isin(deals.column("account_id"), accounts))
    return mask


def _one_hop(deals: pa.Table, mask: pa.ChunkedArray) -> pa.ChunkedArray:
    kept = deals.filter(mask)
    ids, originals = _values(kept, "transaction_id"), _values(kept, "reverses_id")
    mask = pc.or_(mask, _isin(deals.column("opportunity_id"), _values(kept, "opportunity_id")))
    mask = pc.or_(mask, _isin(deals.column("reverses_id"), ids))
    return pc.or_(mask, _isin(deals.column("transaction_id"), originals))


def with_linked(deals: pa.Table, mask: pa.ChunkedArray) -> pa.ChunkedArray:
    """Add the invoices/payments of the same opportunities and the reversals and originals of the deals
    (and theirs, until nothing more is linked)."""
    count = pc.sum(mask).as_py() or 0
    while True:
        mask = _one_hop(deals, mask)
        grown = pc.sum(mask).as_py() or 0
        if grown == count:
            return mask
        count = grown


def inputs_for(inputs: InputTables, plans: list[PlanDocument], payees: list[str]) -> InputTables:
    """The run's inputs with only the transactions the selected payees' numbers can depend on."""
    team = team_of(inputs, payees)
    if _names_team_member(plans, team):
        return inputs
    deals = inputs["transaction"]
    mask = with_linked(deals, crediting_transactions(inputs, plans, team))
    return InputTables({**inputs, "transaction": deals.filter(mask)})
