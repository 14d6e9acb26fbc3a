"""CLI of planning: ``attain quota allocate``, ``territory design``, ``capacity`` and ``model``.

Thin calls of ``attain.services.planning`` and ``attain.planning``; tables printed with Rich.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from attain.core.errors import AttainError
from attain.core.money import MoneyError, to_decimal
from attain.planning.modeling import Comparison, Scenario

console = Console(width=None if sys.stdout.isatty() else 160)
errors = Console(stderr=True)
quota_app = typer.Typer(help="Quota setting: allocate a target to reps or territories.", no_args_is_help=True)
territory_app = typer.Typer(help="Territory design: balanced, compact territories.", no_args_is_help=True)

UrlOption = typer.Option(None, "--database-url", envvar="ATTAIN_DATABASE_URL",
                         help="Database (default: home)")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `attain` app."""
    app.add_typer(quota_app, name="quota")
    quota_app.command("allocate")(allocate_command)
    app.add_typer(territory_app, name="territory")
    territory_app.command("design")(design_command)
    territory_app.command("tradeoff")(tradeoff_command)
    app.command("capacity")(capacity_command)
    app.command("model")(model_command)


def _fail(exc: AttainError) -> typer.Exit:
    errors.print(f"[red]{exc.code}[/red] {escape(str(exc))}", soft_wrap=True)
    for issue in exc.issues:
        errors.print(f"  {escape(str(issue))}", soft_wrap=True)
    return typer.Exit(2)


def _decimal(text: str, what: str) -> Decimal:
    try:
        return to_decimal(text)
    except MoneyError as exc:
        raise typer.BadParameter(f"{what}: {exc}") from exc


def _mix(basis: list[str]) -> dict[str, Decimal]:
    """``potential=0.6`` ``history=0.4`` (a basis alone weighs 1)."""
    mix = {}
    for item in basis:
        name, _, share = item.partition("=")
        mix[name.strip()] = _decimal(share, f"--by {item}") if share else Decimal(1)
    return mix


def allocate_command(
    target: str = typer.Option(..., "--target", help="Amount to allocate, e.g. 12000000"),
    reps: Path = typer.Option(..., "--reps", help="CSV: rep, weight columns, optional floor, ceiling"),
    by: list[str] = typer.Option(["potential"], "--by", help="Weight column, or column=share (repeatable)"),
    unit: str = typer.Option("1000", "--unit", help="Round quotas to whole units of this"),
    id_column: str = typer.Option("rep", "--id-column", help="Column naming the rep or territory"),
    history_period: str | None = typer.Option(None, "--history-period",
                                              help="Take the `history` basis from the store's deals of "
                                                   "this period (e.g. 2017), by payee id"),
    fairness_tolerance: str = typer.Option("0.20", "--fairness-tolerance",
                                           help="Flag quota ÷ potential this far from the median"),
    out: Path | None = typer.Option(None, "--out", help="Write rep,quota as CSV"),
    url: str | None = UrlOption,
) -> None:
    """Allocate a target top-down by weights, within floors/ceilings, summing exactly."""
    from attain.services.planning import QuotaRequest, allocate_from_file, history_from_store

    try:
        history = history_from_store(_url(url), history_period) if history_period else None
        outcome = allocate_from_file(QuotaRequest(
            _decimal(target, "--target"), reps, _mix(by), _decimal(unit, "--unit"), id_column, history,
            _decimal(fairness_tolerance, "--fairness-tolerance")))
    except AttainError as exc:
        raise _fail(exc) from exc
    rows, fair = outcome.allocations, {f.rep: f for f in outcome.fairness}
    table = Table(title=f"Quota allocation of {_decimal(target, '--target'):,}")
    for name in ("rep", "weight", "quota", "bound", "quota ÷ potential", "vs median", "flag"):
        table.add_column(name, justify="left" if name in ("rep", "bound", "flag") else "right")
    for row in rows:
        f = fair.get(row.assignee)
        ratio = "" if f is None or f.ratio is None else f"{f.ratio.normalize():,}"
        spread = "" if f is None or f.vs_median is None else f"{f.vs_median * 100:+.1f}%"
        table.add_row(row.assignee, f"{row.weight.normalize():,}", f"{row.quota:,}", row.bound, ratio, spread,
                      "outlier" if f is not None and f.outlier else "")
    table.add_row("total", "", f"{sum(r.quota for r in rows):,}", "", "", "", "")
    console.print(table)
    if out is not None:
        out.write_text("rep,quota\n" + "".join(f"{r.assignee},{r.quota}\n" for r in rows))


def _url(url: str | None) -> str:
    if url:
        return url
    from attain.settings import get_settings

    return get_settings().database_url


def design_command(
    accounts: Path = typer.Option(..., "--accounts",
                                  help="CSV: account_id, potential, lat, lon[, workload, territory]"),
    k: int | None = typer.Option(None, "-k", "--territories",
                                 help="Number of territories (default: today's)"),
    tolerance: float = typer.Option(0.05, "--tolerance", help="Potential balance, ± share of the mean"),
    workload_tolerance: float | None = typer.Option(None, "--workload-tolerance", help="Workload balance"),
    max_moved: float | None = typer.Option(None, "--max-moved", help="Share of accounts allowed to move"),
    time_limit: float = typer.Option(60.0, "--time-limit", help="Seconds for the solver"),
    threads: int = typer.Option(2, "--threads"),
    out: Path | None = typer.Option(None, "--out", help="Write account_id,territory as CSV"),
) -> None:
    """Assign accounts to balanced, compact territories (HiGHS MILP; heuristic fallback)."""
    from attain.planning.territories import Limits
    from attain.services.planning import design_from_file, write_design

    limits = Limits(tolerance, workload_tolerance, max_moved, time_limit, 0.01, threads)
    try:
        result = design_from_file(accounts, k, limits)
    except AttainError as exc:
        raise _fail(exc) from exc
    found = result.design
    table = Table(title=f"{len(result.names)} territories — {found.method}, gap {found.gap:.2%}, "
                        f"{found.seconds:.1f} s, {found.moved} accounts moved")
    for name in ("territory", "accounts", "potential", "vs mean", "center"):
        table.add_column(name, justify="left" if name in ("territory", "center") else "right")
    mean = found.loads.mean()
    counts = [int((found.territory == t).sum()) for t in range(len(result.names))]
    for t, name in enumerate(result.names):
        table.add_row(name, str(counts[t]), f"{found.loads[t]:,.0f}", f"{found.loads[t] / mean - 1:+.1%}",
                      result.accounts.ids[int(found.centers[t])])
    console.print(table)
    console.print(f"travel {found.distance_km:,.0f} km (bound {found.bound_km:,.0f} km); "
                  f"max imbalance {found.max_imbalance:.2%}")
    if out is not None:
        write_design(result, out)


def tradeoff_command(
    accounts: Path = typer.Option(..., "--accounts", help="CSV: account_id, potential, lat, lon, territory"),
    shares: str = typer.Option("0,0.05,0.1,0.2,0.5", "--shares", help="Shares of accounts allowed to move"),
    time_limit: float = typer.Option(30.0, "--time-limit", help="Seconds per solve"),
    threads: int = typer.Option(2, "--threads"),
) -> None:
    """Balance vs disruption: the tightest balance reachable when at most a share of accounts moves."""
    from attain.planning.territories import Limits, seed_centers, tradeoff
    from attain.services.planning import read_accounts

    try:
        found, names = read_accounts(accounts)
        if found.current is None or not names:
            raise AttainError("a trade-off needs today's territory column", code="PLNG005")
        points = tradeoff(found, seed_centers(found, len(names)), [float(x) for x in shares.split(",")],
                          Limits(time_limit=time_limit, threads=threads))
    except AttainError as exc:
        raise _fail(exc) from exc
    table = Table(title="Balance vs disruption (centers: today's territories)")
    for name in ("may move", "moved", "max imbalance", "travel km"):
        table.add_column(name, justify="right")
    for p in points:
        table.add_row(f"{p.max_moved:.0%}", str(p.moved), f"{p.imbalance:.2%}", f"{p.distance_km:,.0f}")
    console.print(table)


def capacity_command(
    target: str = typer.Option(..., "--target", help="Bookings to reach over the horizon"),
    productivity: str = typer.Option(..., "--productivity", help="Bookings of a ramped rep per month"),
    reps: int = typer.Option(0, "--reps", help="Ramped reps in seat today"),
    ramp: int = typer.Option(3, "--ramp", help="Months to full productivity"),
    attrition: str = typer.Option("0", "--attrition", help="Monthly share of reps leaving, e.g. 0.015"),
    months: int = typer.Option(12, "--months", help="Horizon in months"),
    hire_month: int = typer.Option(1, "--hire-month", help="Month the growth hires start"),
) -> None:
    """Hires needed to reach a target, with a month-by-month hiring plan."""
    from attain.planning.capacity import Assumptions, hiring_plan

    assumptions = Assumptions(_decimal(productivity, "--productivity"), ramp,
                              _decimal(attrition, "--attrition"), months, hire_month)
    try:
        plan = hiring_plan(_decimal(target, "--target"), [ramp] * reps, assumptions)
    except AttainError as exc:
        raise _fail(exc) from exc
    table = Table(title=f"{plan.growth_hires} growth hires in month {hire_month}; "
                        f"{plan.total_hires} hires with backfills")
    for name in ("month", "hires", "backfills", "headcount", "ramped", "leavers", "output", "cumulative"):
        table.add_column(name, justify="right")
    for m in plan.months:
        table.add_row(str(m.month), str(m.hires), str(m.backfills), f"{m.headcount:,}",
                      f"{m.ramped_equivalent:,}", f"{m.leavers:,}", f"{m.output:,}", f"{m.cumulative:,}")
    console.print(table)


def model_command(
    plan: list[Path] = typer.Option(..., "--plan", help="Draft plan YAML (repeatable: one scenario each)"),
    period: list[str] = typer.Option(..., "--period", help="Period to replay, e.g. 2017-Q3 (repeatable)"),
    url: str | None = UrlOption,
) -> None:
    """Replay historical periods under draft plans, side by side with the published (live) plans."""
    from attain.services.planning import model_plans

    try:
        result = model_plans(_url(url), plan, period)
    except AttainError as exc:
        raise _fail(exc) from exc
    _print_comparison(result)


def _spread(s: Scenario) -> str:
    return f"{s.percentile(Decimal('0.1')):,.0f} / {s.percentile(Decimal('0.9')):,.0f}"


def _print_comparison(result: Comparison) -> None:
    table = Table(title=f"Plan modeling — {', '.join(result.periods)}")
    table.add_column("figure")
    for scenario in result.scenarios:
        table.add_column(scenario.name, justify="right")
    rows: list[tuple[str, Callable[[Scenario], str]]] = [
        ("cost of sales", lambda s: f"{s.cost:,.2f}"),
        ("revenue", lambda s: f"{s.revenue:,.2f}"),
        ("cost % of revenue", lambda s: "—" if s.cost_share is None else f"{s.cost_share * 100:.2f}%"),
        ("payees paid", lambda s: str(sum(1 for v in s.payouts.values() if v))),
        ("median payout", lambda s: f"{s.percentile(Decimal('0.5')):,.2f}"),
        ("p10 / p90 payout", _spread),
        ("max payout", lambda s: f"{max(s.payouts.values(), default=Decimal(0)):,.2f}"),
        ("payee-periods at quota", lambda s: f"{s.at_quota} of {s.with_quota}"),
    ]
    for label, show in rows:
        table.add_row(label, *(show(s) for s in result.scenarios))
    gain = ["gainers / losers", "—"] + [f"{len(result.gainers(s.name))} / {len(result.losers(s.name))}"
                                        for s in result.scenarios[1:]]
    table.add_row(*gain)
    console.print(table)
    for name, changes in result.changes.items():
        moved = sorted((c for c in changes if c.delta), key=lambda c: c.delta)
        if not moved:
            continue
        detail = Table(title=f"{name}: largest changes per payee")
        for column in ("payee", "live", name, "change"):
            detail.add_column(column, justify="left" if column == "payee" else "right")
        for c in moved[:5] + moved[-5:] if len(moved) > 10 else moved:
            detail.add_row(c.payee, f"{c.live:,.2f}", f"{c.draft:,.2f}", f"{c.delta:+,.2f}")
        console.print(detail)
