"""Exports for payroll and finance: the payroll CSV (one row per payee and pay date), a mapping of it to
another payroll layout, and the ledger CSV (every payout line). Layouts are documented in docs/payouts.md.

The files print a paid amount with its currency's minor unit (USD 1234.50, JPY 1235, KWD 1234.567);
the ledger's unrounded ``amount`` and ``source_amount`` keep every calculated decimal.

Each export holds every payee's pay: it takes the acting principal and needs ``payouts.read``
(finance, admin; AUTH004 otherwise). The command line passes ``access.COMMAND_LINE``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import yaml
from sqlalchemy import Connection, Engine

from attain.core.errors import AttainError
from attain.core.money import MINOR_UNITS
from attain.payouts.codes import PAY050
from attain.payouts.periods import pay_calendar
from attain.services.access_scope import Principal, require
from attain.services.calc import published_plans
from attain.services.statements import current_run
from attain.store.arrow_io import read_arrow
from attain.store.db import reading
from attain.store.tables import ENTITY_TABLES, payout

payee = ENTITY_TABLES["payee"]
PAID_PAYROLL_COLUMNS = ("gross_amount", "commission", "clawbacks", "true_ups", "draws", "draw_recoveries",
                        "adjustments")
"""Payroll columns that are paid amounts (sums of rounded lines): printed at the currency's minor unit."""
PAYROLL_COLUMNS = (
    "payee_id",
    "payee_name",
    "pay_date",
    "period_label",
    "currency",
    "gross_amount",
    "commission",
    "clawbacks",
    "true_ups",
    "draws",
    "draw_recoveries",
    "adjustments",
    "lines",
    "run_id",
)
GL_ACCOUNTS = {
    "commission": "6100 Commission expense",
    "true_up": "6100 Commission expense",
    "clawback": "6100 Commission expense",
    "draw": "1400 Draw advances",
    "draw_offset": "1400 Draw advances",
    "guarantee": "6110 Guaranteed commission",
    "draw_recovery": "1400 Draw advances",
    "draw_collection": "1400 Draw advances",
    "adjustment": "6120 Commission adjustments",
}
LINE_COLUMNS = (
    "id",
    "run_id",
    "line_no",
    "payee_id",
    "period_label",
    "plan_id",
    "kind",
    "component_id",
    "transaction_id",
    "refers_to",
    "source_currency",
    "source_amount",
    "fx_rate",
    "currency",
    "amount",
    "amount_rounded",
    "explanation",
    "status",
)


def _lines(conn: Connection, periods: list[str]) -> pa.Table:
    parts = []
    for label in periods:
        run_id, _ = current_run(conn, label)
        where = (payout.c.run_id == run_id) & (payout.c.period_label == label)
        parts.append(
            read_arrow(conn, [payout.c[n] for n in LINE_COLUMNS], where=where, order_by=[payout.c.id])
        )
    return pa.concat_tables(parts) if parts else pa.table({})


def _pay_dates(target: str | Engine, periods: list[str]) -> pa.Table:
    calendar, _ = pay_calendar(published_plans(target))
    return pa.table({"period_label": periods, "pay_date": pa.array([calendar.parse(p).end for p in periods])})


PAYROLL_SQL = """
SELECT l.payee_id, COALESCE(y.name, l.payee_id) AS payee_name, d.pay_date, l.period_label, l.currency,
  SUM(l.amount_rounded) AS gross_amount,
  SUM(CASE WHEN kind = 'commission' THEN amount_rounded ELSE 0 END) AS commission,
  SUM(CASE WHEN kind = 'clawback' THEN amount_rounded ELSE 0 END) AS clawbacks,
  SUM(CASE WHEN kind = 'true_up' THEN amount_rounded ELSE 0 END) AS true_ups,
  SUM(CASE WHEN kind IN ('draw', 'draw_offset', 'guarantee') THEN amount_rounded ELSE 0 END) AS draws,
  SUM(CASE WHEN kind IN ('draw_recovery', 'draw_collection') THEN amount_rounded ELSE 0 END)
    AS draw_recoveries,
  SUM(CASE WHEN kind = 'adjustment' THEN amount_rounded ELSE 0 END) AS adjustments,
  COUNT(*) AS lines, MAX(l.run_id) AS run_id
FROM lines l JOIN dates d USING (period_label) LEFT JOIN payees y ON y.payee_id = l.payee_id
GROUP BY l.payee_id, y.name, d.pay_date, l.period_label, l.currency
ORDER BY d.pay_date, l.payee_id, l.currency
"""


def payroll_table(target: str | Engine, principal: Principal, periods: list[str]) -> pa.Table:
    """One row per payee, pay date and currency: gross pay and its parts (documented columns)."""
    require(principal, "payouts.read")
    with reading(target) as conn:
        lines = _lines(conn, periods)
        payees = read_arrow(conn, [payee.c.payee_id, payee.c.name])
    con = duckdb.connect(":memory:")
    try:
        con.register("lines", lines)
        con.register("payees", payees)
        con.register("dates", _pay_dates(target, periods))
        return con.execute(PAYROLL_SQL).to_arrow_table()
    finally:
        con.close()


def apply_layout(table: pa.Table, layout: dict[str, Any]) -> pa.Table:
    """Rename/select/constant columns as a payroll layout mapping says (PAY050 for unknown columns)."""
    columns, names = [], []
    for target, source in (layout.get("columns") or {}).items():
        if isinstance(source, dict) and "value" in source:
            columns.append(pa.array([str(source["value"])] * table.num_rows, pa.string()))
        elif isinstance(source, str) and source in table.column_names:
            columns.append(table.column(source))
        else:
            raise AttainError(
                f"layout column {target!r} names {source!r}, not a payroll column "
                f"({', '.join(PAYROLL_COLUMNS)})",
                code=PAY050,
            )
        names.append(str(target))
    return pa.table(columns, names=names)


NUMBER_TEXT = pa.large_string()
"""The type of a paid amount turned into text: written unquoted, as a number (other text is quoted)."""


def paid_text(amounts: pa.ChunkedArray, currencies: pa.ChunkedArray) -> pa.ChunkedArray:
    """Paid amounts as the text a payroll file prints: each with its currency's minor unit, exactly.

    '1234.50' USD, '1235' JPY, '1234.567' KWD. An amount of a currency Attain does not know (PAY011)
    or with more decimals than its currency pays is printed with every decimal it has: never cut.
    The result is ``NUMBER_TEXT`` (it survives a layout mapping, and ``write_csv`` leaves it bare).
    """
    text = pc.cast(amounts, pa.string())
    for places in sorted(set(MINOR_UNITS.values())):
        codes = pa.array([c for c, n in MINOR_UNITS.items() if n == places], pa.string())
        fits = pc.equal(pc.round(amounts, ndigits=places, round_mode="half_to_even"), amounts)
        mine = pc.fill_null(pc.and_(pc.is_in(currencies, value_set=codes), fits), False)
        if not pc.any(mine).as_py():
            continue
        only_mine = pc.if_else(mine, amounts, pa.scalar(None, amounts.type))
        narrowed = pc.cast(only_mine, pa.decimal128(38, places))
        text = pc.if_else(mine, pc.cast(narrowed, pa.string()), text)
    return pc.cast(text, NUMBER_TEXT)


def _as_paid_text(table: pa.Table, columns: tuple[str, ...]) -> pa.Table:
    for name in columns:
        index = table.column_names.index(name)
        table = table.set_column(index, name, paid_text(table.column(name), table.column("currency")))
    return table


def _csv_cells(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A column's CSV cells as Arrow's writer makes them: text quoted (quotes doubled), numbers, dates
    and ``NUMBER_TEXT`` bare, empty for a missing value."""
    if pa.types.is_string(column.type):
        quoted = pc.binary_join_element_wise('"', pc.replace_substring(column, '"', '""'), '"', "")
        return pc.fill_null(quoted, "")
    return pc.fill_null(pc.cast(column, pa.string()), "")


def write_csv(table: pa.Table, out: Path, delimiter: str = ",") -> None:
    """``table`` as CSV: a quoted header, then one line per row (columnar; no row loop in Python)."""
    header = delimiter.join('"' + name.replace('"', '""') + '"' for name in table.column_names)
    with out.open("w", encoding="utf-8", newline="") as handle:
        handle.write(header + "\n")
        if not table.num_rows or not table.num_columns:
            return
        lines = pc.binary_join_element_wise(*[_csv_cells(c) for c in table.columns], delimiter)
        for chunk in lines.chunks:
            handle.write("\n".join(chunk.to_pylist()) + "\n")


def write_payroll(
    target: str | Engine, principal: Principal, periods: list[str], out: Path, layout: Path | None = None
) -> int:
    """The payroll CSV (optionally mapped to another layout) into ``out``; the number of rows."""
    table = _as_paid_text(payroll_table(target, principal, periods), PAID_PAYROLL_COLUMNS)
    delimiter = ","
    if layout is not None:
        mapping = yaml.safe_load(layout.read_text(encoding="utf-8")) or {}
        table = apply_layout(table, mapping)
        delimiter = str(mapping.get("delimiter", ","))
    write_csv(table, out, delimiter)
    return int(table.num_rows)


def ledger_table(target: str | Engine, principal: Principal, periods: list[str]) -> pa.Table:
    """Every payout line of the periods' current runs, with a general-ledger account by line kind."""
    require(principal, "payouts.read")
    with reading(target) as conn:
        lines = _lines(conn, periods)
    accounts = pa.array(
        [GL_ACCOUNTS.get(k, "6199 Other incentive") for k in lines.column("kind").to_pylist()]
    )
    return lines.append_column("gl_account", accounts)


def write_ledger(target: str | Engine, principal: Principal, periods: list[str], out: Path) -> int:
    """The ledger CSV into ``out``; the number of rows (``amount_rounded`` at the currency's minor unit)."""
    table = ledger_table(target, principal, periods)
    if table.num_rows:
        table = _as_paid_text(table, ("amount_rounded",))
    write_csv(table, out)
    return int(table.num_rows)
