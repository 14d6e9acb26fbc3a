"""Money on the dashboards, per currency: amounts in two currencies are never added into one number.

Every money figure of the forecast panels is in a currency the data names: a quota in its
``quota.currency``, won revenue and pipeline in their deals' currency, the expected commission in
the currency of the plan whose components earned it. A row or team whose figures share one currency
gets that currency's total at its minor unit (fils for KWD); one with several gets one row per
currency, never a cross-currency sum.

The other panels are built from the metric catalog, whose money metrics sum amounts without looking
at their currency (unit ``USD``). ``named_money`` names their unit from the data instead: when every
deal and quota in scope is in one currency, that code (``EUR``, ``KWD/day``); when they are in
several, the money figures are left out (None) with a note saying so, never shown as a sum.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import ROUND_HALF_EVEN, Decimal

import duckdb

from attain.analytics.panels import Panel
from attain.core.money import MINOR_UNITS


class Commissions(dict[str, Decimal]):
    """Expected commission per payee, never added across currencies.

    As a mapping: payee → the exact commission of each payee whose plans earned in **one** currency
    (a payee earning in several is left out: their total would mean nothing). ``by_currency`` has
    every payee: payee → currency → exact commission in it (each component total's currency)."""

    def __init__(self, by_currency: Mapping[str, Mapping[str, Decimal]]) -> None:
        super().__init__({who: next(iter(amounts.values())) for who, amounts in by_currency.items()
                          if len(amounts) == 1})
        self.by_currency = {who: dict(amounts) for who, amounts in by_currency.items()}

    def currencies(self, who: str) -> dict[str, Decimal]:
        """``who``'s commission per currency (empty when they earn nothing)."""
        return dict(self.by_currency.get(who, {}))


def per_currency(commission: Mapping[str, Decimal], who: str) -> dict[str | None, Decimal]:
    """``who``'s commission per currency: from ``Commissions``, else (a plain mapping, whose amounts
    name no currency) the one amount under None."""
    if isinstance(commission, Commissions):
        return {currency: amount for currency, amount in commission.currencies(who).items()}
    return {None: commission[who]} if who in commission else {}


def at_minor_unit(amount: Decimal | None, currency: str | None) -> Decimal | None:
    """``amount`` half-even at ``currency``'s minor unit (as a payout line is paid); unchanged when
    the currency is not known (no places are guessed)."""
    places = MINOR_UNITS.get(currency or "")
    if amount is None or places is None:
        return amount
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


CATALOG_MONEY = {"USD": "", "USD/day": "/day"}
"""The catalog's money units (amounts summed whatever their currency) and what follows the code."""
MONEY_RATIOS = frozenset({"quota_attainment", "pipeline_coverage", "sales_growth"})
"""Catalog ratios of summed amounts (won ÷ quota, open ÷ remaining quota, growth of won): meaningless
over amounts in several currencies, so left out with them."""


def scope_currencies(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The currencies of the deals (their amounts and pipeline prices) and quotas ``con`` sees."""
    rows = con.execute("""
        SELECT DISTINCT currency FROM (SELECT currency FROM deal UNION ALL SELECT pipeline_currency FROM deal
                                       UNION ALL SELECT currency FROM target)
        WHERE currency IS NOT NULL ORDER BY 1""").fetchall()
    return [str(code) for (code,) in rows]


def named_money(con: duckdb.DuckDBPyConnection, panels: Sequence[Panel]) -> list[Panel]:
    """``panels`` with the catalog's money figures in the scope's currency (``scope_currencies``):
    one currency names the unit; several leave the figures out with a note; none changes nothing."""
    currencies = scope_currencies(con)
    if not currencies:
        return list(panels)
    return [_named(panel, currencies) for panel in panels]


def _money_row(row: Mapping[str, object]) -> bool:
    return row.get("unit") in CATALOG_MONEY  # a headline row: one metric, its own unit


def _summed_ratio(row: Mapping[str, object]) -> bool:
    return row.get("metric") in MONEY_RATIOS and "unit" in row  # a headline row of such a ratio


def _named(panel: Panel, currencies: list[str]) -> Panel:
    money = {c.key for c in panel.columns if c.unit in CATALOG_MONEY}
    if not money and not any(_money_row(row) for row in panel.rows):
        return panel
    if len(currencies) == 1:
        code = currencies[0]
        columns = tuple(replace(c, unit=code + CATALOG_MONEY[c.unit], label=c.label.replace("USD", code))
                        if c.key in money else c for c in panel.columns)
        rows = [{**row, "unit": code + CATALOG_MONEY[str(row["unit"])]} if _money_row(row) else row
                for row in panel.rows]
        return replace(panel, columns=columns, rows=rows)
    hidden = ("value", "previous", "change")
    money |= {c.key for c in panel.columns if c.key in MONEY_RATIOS}
    rows = [{**row, **dict.fromkeys(hidden)} if _money_row(row) or _summed_ratio(row)
            else {**row, **dict.fromkeys(money)} for row in panel.rows]
    note = (f"Amounts not shown: the deals and quotas in scope are in {' and '.join(currencies)}, and "
            "amounts in two currencies are never added (the forecast panel gives them per currency).")
    kept = [n for n in panel.notes if not _money_note(panel.key, n)]
    return replace(panel, rows=rows, notes=[note, *kept])


def _money_note(key: str, note: str) -> bool:
    """A note quoting a sum of amounts (the pace sentence, the average order value)."""
    return key == "pace" or note.startswith("Average order value")
