"""CLI of sales analytics: ``attain metrics`` (the metric catalog) and ``attain forecast``.

Thin calls of ``attain.services.metrics`` and ``attain.services.forecast``; tables printed with Rich,
``--csv`` writes every figure (long format, exact decimals).
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from attain.core.errors import AttainError
from attain.core.money import minor_unit

if TYPE_CHECKING:
    from attain.analytics.catalog import Metric
    from attain.analytics.compute import MetricValue
    from attain.analytics.forecast import Accuracy, BacktestPoint

console = Console(width=None if sys.stdout.isatty() else 160)
errors = Console(stderr=True)

DASHBOARD = ("revenue", "won_deals", "win_rate", "average_deal_size", "sales_cycle_days", "open_pipeline",
             "quota_attainment", "calls")
"""The metrics shown side by side for a breakdown when none are named."""

BY_HELP = "payee, manager, office, territory, product, sector, segment, stage (a,b)"
UrlOption = typer.Option(None, "--database-url", envvar="ATTAIN_DATABASE_URL",
                         help="Database (default: home)")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `attain` app."""
    app.command("metrics")(metrics_command)
    app.command("forecast")(forecast_command)
    app.command("demo-surveys")(demo_surveys_command)


def _url(url: str | None) -> str:
    if url:
        return url
    from attain.settings import get_settings

    return get_settings().database_url


def show(value: Decimal | None, unit: str) -> str:
    """A figure for the screen: ratios as percents, money and days with two places, counts whole."""
    if value is None:
        return "—"
    if unit == "ratio":
        return f"{value * 100:,.2f}%"
    if unit in ("USD", "USD/day", "days", "score"):
        return f"{value:,.2f}"
    return f"{value:,}"


def metrics_command(
    by: str | None = typer.Option(None, "--by", help=BY_HELP),
    period: str | None = typer.Option(None, "--period", help="2017, 2017-Q3, 2017-07 or FROM..TO"),
    metric: list[str] = typer.Option([], "--metric", "-m", help="Metric name (repeatable; default all)"),
    csv_file: Path | None = typer.Option(None, "--csv", help="Write every figure to this CSV file"),
    list_metrics: bool = typer.Option(False, "--list", help="List the catalog and exit"),
    url: str | None = UrlOption,
) -> None:
    """Sales metrics from the catalog (docs/metrics.md), by a breakdown, for a period."""
    from attain.analytics.catalog import METRICS
    from attain.services.metrics import metrics_report

    if list_metrics:
        _print_catalog(METRICS)
        return
    try:
        rows = metrics_report(_url(url), by, period, metric or None)
    except AttainError as exc:
        errors.print(f"[red]{exc.code}[/red] {exc}")
        raise typer.Exit(2) from exc
    if csv_file is not None:
        _write_csv(csv_file, rows)
        console.print(f"{len(rows):,} figures written to {csv_file}")
    if by is None:
        _print_company(rows, period)
    else:
        _print_breakdown(rows, by, metric or [m for m in DASHBOARD])


def _print_catalog(metrics: Sequence[Metric]) -> None:
    table = Table("metric", "unit", "better", "formula", "description")
    for entry in metrics:
        formula = f"{entry.numerator}" + (f" ÷ ({entry.denominator})" if entry.denominator else "")
        table.add_row(entry.name, entry.unit, entry.direction, formula, entry.description)
    console.print(table)


def _print_company(rows: Sequence[MetricValue], period: str | None) -> None:
    table = Table("metric", "value", "previous" if period else "", "change" if period else "", "unit",
                  title=f"Company, {period or 'all time'}")
    for row in rows:
        table.add_row(row.metric, show(row.value, row.unit),
                      show(row.previous, row.unit) if period else "",
                      show(row.change, row.unit) if period else "", row.unit)
    console.print(table)


def _print_breakdown(rows: Sequence[MetricValue], by: str, names: Sequence[str]) -> None:
    cells: dict[str, dict[str, str]] = {}
    for row in rows:
        if row.metric in names:
            cells.setdefault(row.slice, {})[row.metric] = show(row.value, row.unit)
    table = Table(by, *names)
    for label, figures in cells.items():
        table.add_row(label, *(figures.get(n, "—") for n in names))
    console.print(table)


def _write_csv(path: Path, rows: Sequence[MetricValue]) -> None:
    fields = ["slice", "metric", "value", "numerator", "denominator", "previous", "change", "percentile",
              "unit"]
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(fields)
        for row in rows:
            writer.writerow([_cell(getattr(row, f)) for f in fields])


def _cell(value: object) -> str:
    """A CSV cell: empty for None, a Decimal in plain digits (never 0E-10), anything else as text."""
    if value is None:
        return ""
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def forecast_command(
    period: str = typer.Option("2017-Q4", "--period", help="The period to forecast (a plan pay period)"),
    as_of: str | None = typer.Option(None, "--as-of", help="Cut-off date (default: the period's middle)"),
    by: str = typer.Option("manager", "--by", help="payee, manager or company"),
    commission: bool = typer.Option(False, "--commission", help="Expected commission through the plans"),
    backtest: str | None = typer.Option(None, "--backtest", help="Backtest month-end cut-offs FROM..TO"),
    url: str | None = UrlOption,
) -> None:
    """Forecast won revenue against quota (stage-weighted pipeline), or backtest every method.

    With ``--commission``, open opportunities in a currency no plan of their rep pays in are left out
    of the expected commission and named in a note after the table (as on the dashboards)."""
    from attain.analytics.compute import parse_period
    from attain.services.forecast import backtest_report, forecast_with_notes, store_tables

    target = _url(url)
    try:
        tables = store_tables(target)
        if backtest:
            window = parse_period(backtest)
            _print_backtest(*backtest_report(tables, window.start, window.end))
            return
        window = parse_period(period)
        cutoff = date.fromisoformat(as_of) if as_of else window.start + (window.end - window.start) / 2
        plans = None
        if commission:
            from attain.services.calc import published_plans

            plans = published_plans(target)
        lines, notes = forecast_with_notes(tables, period, cutoff, plans, by)
    except (AttainError, ValueError) as exc:
        errors.print(f"[red]{getattr(exc, 'code', 'ERROR')}[/red] {exc}")
        raise typer.Exit(2) from exc
    table = Table(by, "currency", "quota", "won", "pipeline (weighted)", "forecast", "attainment",
                  *(["commission"] if commission else []), title=f"{period} forecast as of {cutoff}")
    for line in lines:  # one line per currency: amounts in two currencies are never added
        amounts: list[Decimal | None] = [line.quota, line.won, line.pipeline, line.forecast]
        amounts += [line.commission] if commission else []
        money = [_in_currency(a, line.currency) for a in amounts]
        table.add_row(line.who, line.currency or "—", *money[:4], show(line.attainment, "ratio"), *money[4:])
    console.print(table)
    for note in notes:  # the dashboards' note: the open opportunities left out of the commission, and why
        console.print(note, markup=False, highlight=False)


def _in_currency(value: Decimal | None, currency: str | None) -> str:
    """An amount at its currency's places ('5,000.000' KWD), "—" for none."""
    return "—" if value is None else f"{value:,.{minor_unit(currency)}f}"


def _print_backtest(points: Sequence[BacktestPoint], scores: Sequence[Accuracy]) -> None:
    table = Table("method", "kind", "cut-offs", "WAPE", "MAPE", "bias",
                  title=f"Backtest: next month's won revenue ({len(points)} forecasts)")
    for score in scores:
        kind = "baseline" if score.baseline else "method"
        table.add_row(score.method, kind, str(score.points), show(score.wape, "ratio"),
                      show(score.mape, "ratio"), show(score.bias, "ratio"))
    console.print(table)


def demo_surveys_command(url: str | None = UrlOption) -> None:
    """Add the sample company's synthetic CSAT survey answers (made from its won deals; docs/metrics.md)."""
    from attain.services.metrics import seed_demo_surveys

    report = seed_demo_surveys(_url(url), actor="demo-surveys")
    if not report.imported:
        for issue in report.issues[:20]:
            errors.print(f"[red]{issue.code}[/red] {issue.message}")
        raise typer.Exit(1)
    console.print(f"{report.rows_selected:,} survey answers: {report.created:,} created, "
                  f"{report.updated:,} updated, {report.unchanged:,} unchanged")
