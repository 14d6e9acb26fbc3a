"""A statement rendered for people (Rich): measures, each component's deals with credit and pay, totals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from attain.core.money import MINOR_UNITS, round_payout
from attain.explain.statement import ComponentSection, Statement


def money(value: Any, currency: str | None = None) -> str:
    """Display an exact amount rounded half-even to the currency's minor unit (display only)."""
    if value is None:
        return ""
    amount = round_payout(Decimal(value), currency if currency in MINOR_UNITS else "USD")
    return f"{amount:,}"


def percent(value: Any) -> str:
    if value is None:
        return ""
    return f"{(Decimal(value) * 100).normalize():f}%"


def _measures(statement: Statement) -> Table:
    table = Table(title="Measures", title_justify="left", expand=True)
    for name in ("measure", "value", "to date", "quota", "prorated quota", "attainment", "to date"):
        table.add_column(name, justify="left" if name == "measure" else "right")
    cur = statement.currency  # a money measure is in the plan's currency (KWD bookings to the fils)
    for m in statement.measures:
        table.add_row(
            m["measure_id"],
            money(m["value"], cur),
            money(m["value_to_date"], cur),
            money(m["quota"], cur),
            money(m["quota_prorated"], cur),
            percent(m["attainment"]),
            percent(m["attainment_to_date"]),
        )
    return table


def _lines(section: ComponentSection, currency: str | None) -> Table:
    table = Table(expand=True, show_lines=False)
    for name, justify in (
        ("date", "left"),
        ("deal", "left"),
        ("source", "left"),
        ("rule / share", "left"),
        ("credit", "right"),
        ("measure before → after", "right"),
        ("tier / rate", "right"),
        ("amount", "right"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for line in section.lines:
        e, c = line.earning, line.credit or {}
        source = f"{c.get('source_file')}:{c.get('source_line')}" if c.get("source_file") else ""
        rule = f"{e.get('rule_id') or ''} {percent(c.get('share'))}".strip()
        basis = (
            f"{money(e['basis_before'], currency)} → {money(e['basis_after'], currency)}"
            if e.get("basis_before") is not None
            else money(e.get("basis_after"), currency)
        )
        tier = (
            f"{e['tier_index']} @ {percent(e['tier_rate'])}"
            if e.get("tier_index") is not None
            else (str(e["rate_or_factor"].normalize()) if e.get("rate_or_factor") is not None else "")
        )
        table.add_row(
            str(c.get("date") or ""),
            str(e.get("transaction_id") or "—"),
            source,
            rule,
            money(c.get("credit"), currency),
            basis,
            tier,
            money(e["amount"], currency),
        )
    return table


def _component(section: ComponentSection, currency: str | None) -> Panel:
    total = section.total
    summary = Text(f"earned {money(total['earned'], currency)}")
    if Decimal(total["capped_amount"] or 0):
        summary.append(f"  capped {money(total['capped_amount'], currency)}", style="yellow")
    if Decimal(total.get("floor_amount") or 0):
        summary.append(f"  floor +{money(total['floor_amount'], currency)}", style="yellow")
    summary.append(f"  pays {money(total['amount_rounded'], currency)} {currency or ''}", style="bold")
    notes = [
        Text(f"• {line.earning['explanation']}", style="dim")
        for line in section.lines[:20]
        if line.earning.get("explanation")
    ]
    more = len(section.lines) - 20
    if more > 0:
        notes.append(Text(f"… {more} more lines (use --json for all)", style="dim"))
    return Panel(
        Group(summary, _lines(section, currency), *notes),
        title=f"{section.component_id} ({section.component_kind})",
        title_align="left",
    )


def render_statement(statement: Statement, console: Console | None = None) -> None:
    """Print the statement: header, measures, one panel per component, totals and issues."""
    out = console or Console()
    plan = f"plan {statement.plan_id} v{statement.plan_version}" if statement.plan_id else "no plan"
    out.rule(f"[bold]{statement.payee_id}[/] — {statement.period_label} — {plan}")
    if statement.measures:
        out.print(_measures(statement))
    for section in statement.components:
        out.print(_component(section, statement.currency))
    out.print(
        Text(
            f"Total: {money(statement.total_rounded, statement.currency)} {statement.currency or ''}"
            f"  (unrounded {statement.total})",
            style="bold",
        )
    )
    for issue in statement.issues:
        out.print(Text(f"[{issue.code}] {issue.message}", style="red" if issue.is_error else "yellow"))
