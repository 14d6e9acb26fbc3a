"""CLI of planning: ``attain quota allocate``, ``territory design``, ``capacity`` and ``model``.

Thin calls of ``attain.services.planning`` and ``attain.planning``; tables printed with Rich.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from attain.core.errors import AttainError
from attain.core.money import MoneyError, to_decimal
from attain.planning.modeling import Comparison, Scenario

if TYPE_CHECKING:
    from attain.services.access import Principal

console = Console(width=None if sys.stdout.isatty() else 160)
errors = Console(stderr=True)
quota_app = typer.Typer(help="Quota setting: allocate a target to reps or territories.", no_args_is_help=True)
territory_app = typer.Typer(help="Territory design: balanced, compact territories.", no_args_is_help=True)
version_app = typer.Typer(help="Quota versions: draft -> approved -> published (feeds the engine).",
                          no_args_is_help=True)

UrlOption = typer.Option(None, "--database-url", envvar="ATTAIN_DATABASE_URL",
                         help="Database (default: home)")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `attain` app."""
    app.add_typer(quota_app, name="quota")
    quota_app.command("allocate")(allocate_command)
    quota_app.add_typer(version_app, name="version")
    for name, command in VERSION_COMMANDS.items():
        version_app.command(name)(command)
    app.add_typer(territory_app, name="territory")
    territory_app.command("design")(design_command)
    territory_app.command("tradeoff")(tradeoff_command)
    territory_app.command("designs")(designs_command)
    territory_app.command("apply")(apply_command)
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
    adjacency: str | None = typer.Option(None, "--adjacency",
                                         help="Keep territories contiguous: a CSV of neighbouring account "
                                              "pairs (a,b), or 'delaunay' for neighbours by position"),
    save: str | None = typer.Option(None, "--save", help="Keep the design in the store under this name"),
    user: str | None = typer.Option(None, "--user", help="Who saves it (a user of the app)"),
    url: str | None = UrlOption,
) -> None:
    """Assign accounts to balanced, compact territories (HiGHS MILP; heuristic fallback)."""
    from attain.planning.territories import Limits
    from attain.services.planning import design_from_file, save_design, write_design

    limits = Limits(tolerance, workload_tolerance, max_moved, time_limit, 0.01, threads)
    try:
        result = design_from_file(accounts, k, limits, adjacency)
        if save:
            design_id = save_design(_url(url), _acting(url, _user(user)), save, result,
                                    settings={"tolerance": tolerance, "max_moved": max_moved,
                                              "adjacency": adjacency, "file": accounts.name})
            console.print(f"saved as territory design {design_id} ({save!r}, proposed)")
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


def _user(user: str | None) -> str:
    if not user:
        raise typer.BadParameter("--user is required: the step is recorded under a user of the app")
    return user


def _acting(url: str | None, user: str) -> Principal:
    """The named user of the app, with their role (PAY040 when unknown or deactivated)."""
    from attain.services.approvals import acting_user

    return acting_user(_url(url), user)


def _operator() -> Principal:
    """Reads act as the trusted operator who holds the database URL (``access.COMMAND_LINE``)."""
    from attain.services.access import COMMAND_LINE

    return COMMAND_LINE


def designs_command(url: str | None = UrlOption) -> None:
    """Saved territory designs: proposed or applied (from which date, by whom)."""
    from attain.services.planning import list_designs

    table = Table(title="Territory designs")
    for name in ("id", "name", "status", "territories", "method", "gap", "by", "applied from"):
        table.add_column(name)
    for d in list_designs(_url(url), _operator()):
        gap = "" if d.gap is None else f"{d.gap:.2%}"
        table.add_row(str(d.id), d.name, d.status, str(d.territories), d.method, gap, d.created_by,
                      f"{d.applied_from or ''} {d.applied_by or ''}".strip())
    console.print(table)


def apply_command(
    design_id: int = typer.Argument(..., help="Design id (attain territory designs)"),
    effective_from: str = typer.Option(..., "--from", help="First day the new territories hold (YYYY-MM-DD)"),
    user: str | None = typer.Option(None, "--user"),
    url: str | None = UrlOption,
) -> None:
    """Apply a saved design: accounts change territory from the date (crediting follows)."""
    from attain.services.planning import apply_design

    try:
        day = _date(effective_from, "--from")
        done = apply_design(_url(url), _acting(url, _user(user)), design_id, day)
    except AttainError as exc:
        raise _fail(exc) from exc
    created = f"; new territories {', '.join(done.new_territories)}" if done.new_territories else ""
    console.print(f"design {design_id} applied from {day}: {done.moved} account(s) change territory, "
                  f"{done.closed} earlier assignment(s) end the day before{created}")


def _date(text: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(f"{what}: expected YYYY-MM-DD, got {text!r}") from exc


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


# -- quota versions -------------------------------------------------------------------------------------


def _version_step(url: str | None, step: Callable[[str], object]) -> object:
    try:
        return step(_url(url))
    except AttainError as exc:
        raise _fail(exc) from exc


def version_create(
    name: str = typer.Argument(..., help="The quota set, e.g. 'FY2018 AE'"),
    effective_from: str = typer.Option(..., "--effective-from", help="First day the quotas apply"),
    file: Path | None = typer.Option(None, "--file",
                                     help="Quota CSV/XLSX (the `attain import quota` columns)"),
    based_on: int | None = typer.Option(None, "--based-on", help="Copy the lines of this version"),
    comment: str = typer.Option("", "--comment"),
    user: str | None = typer.Option(None, "--user"),
    url: str | None = UrlOption,
) -> None:
    """Create a draft version of a quota set from a file or a copy of an earlier version."""
    from attain.services import quota_versions as qv

    day, who = _date(effective_from, "--effective-from"), _user(user)
    made = _version_step(url, lambda u: qv.create_version(u, _acting(u, who), name, day, source=file,
                                                          based_on=based_on, comment=comment))
    assert isinstance(made, qv.QuotaVersion)
    console.print(f"quota version {made.id}: {escape(made.label)}, draft, {made.lines} line(s)")


def version_edit(version_id: int, file: Path = typer.Option(..., "--file"),
                 user: str | None = typer.Option(None, "--user"), url: str | None = UrlOption) -> None:
    """Replace the lines of a draft with a file's."""
    from attain.services import quota_versions as qv

    who = _user(user)
    _version_step(url, lambda u: qv.replace_lines(u, _acting(u, who), version_id, file))
    console.print(f"quota version {version_id}: lines replaced from {file.name}")


def version_comment(version_id: int, text: str, user: str | None = typer.Option(None, "--user"),
                    url: str | None = UrlOption) -> None:
    """Comment on a version (as a user who may read it: admin, finance, planner)."""
    from attain.services import quota_versions as qv

    who = _user(user)
    _version_step(url, lambda u: qv.add_comment(u, _acting(u, who), version_id, text))
    console.print(f"quota version {version_id}: comment added")


def version_approve(version_id: int, comment: str = typer.Option("", "--comment"),
                    user: str | None = typer.Option(None, "--user"), url: str | None = UrlOption) -> None:
    """Approve a draft (finance or admin; not its author)."""
    from attain.services import quota_versions as qv

    who = _user(user)
    _version_step(url, lambda u: qv.approve(u, _acting(u, who), version_id, comment=comment))
    console.print(f"quota version {version_id}: approved by {who}")


def version_send_back(version_id: int, comment: str = typer.Option(..., "--comment"),
                      user: str | None = typer.Option(None, "--user"), url: str | None = UrlOption) -> None:
    """Send an approved version back to draft, with the reason."""
    from attain.services import quota_versions as qv

    who = _user(user)
    _version_step(url, lambda u: qv.send_back(u, _acting(u, who), version_id, comment=comment))
    console.print(f"quota version {version_id}: back to draft")


def version_publish(version_id: int, comment: str = typer.Option("", "--comment"),
                    user: str | None = typer.Option(None, "--user"), url: str | None = UrlOption) -> None:
    """Publish an approved version: its quotas feed the engine from its effective date."""
    from attain.services import quota_versions as qv

    who = _user(user)
    done = _version_step(url, lambda u: qv.publish(u, _acting(u, who), version_id, comment=comment))
    assert isinstance(done, qv.QuotaVersion)
    console.print(f"quota version {version_id}: published as quota version {done.published_as} "
                  f"(effective {done.effective_from})")


def version_list(name: str | None = typer.Option(None, "--name"), url: str | None = UrlOption) -> None:
    """Quota versions with their workflow stamps."""
    from attain.services import quota_versions as qv

    table = Table(title="Quota versions")
    for column in ("id", "name", "v", "status", "effective", "lines", "created", "approved", "published"):
        table.add_column(column)
    versions = _version_step(url, lambda u: qv.list_versions(u, _operator(), name))
    assert isinstance(versions, list)
    for v in versions:
        table.add_row(str(v.id), escape(v.name), str(v.number), v.status, str(v.effective_from), str(v.lines),
                      v.created_by, v.approved_by or "", v.published_by or "")
    console.print(table)


def version_show(version_id: int, url: str | None = UrlOption) -> None:
    """A version's quotas and its comment trail."""
    from attain.services import quota_versions as qv

    found = _version_step(url, lambda u: qv.detail(u, _operator(), version_id))
    assert isinstance(found, qv.VersionDetail)
    v = found.version
    table = Table(title=f"{escape(v.label)} — {v.status}, effective {v.effective_from}")
    for column in ("assignee", "measure", "from", "to", "quota"):
        table.add_column(column, justify="right" if column == "quota" else "left")
    for q in found.lines:
        table.add_row(escape(q.assignee_id), escape(q.measure), str(q.period_start), str(q.period_end),
                      f"{q.amount:,} {q.currency}")
    console.print(table)
    for note in found.notes:
        console.print(f"{note.at:%Y-%m-%d %H:%M} {escape(note.author)} {escape(f'[{note.action}]')} "
                      f"{escape(note.text)}")


def version_diff(version_id: int, against: int | None = typer.Option(None, "--against",
                                                                      help="Default: the version it follows"),
                 url: str | None = UrlOption) -> None:
    """What changes from an earlier version to this one, line by line."""
    from attain.services import quota_versions as qv

    def run(u: str) -> tuple[int, list[qv.LineChange]]:
        base = against if against is not None else qv.previous(u, _operator(), version_id)
        if base is None:
            raise AttainError(f"quota version {version_id} follows no earlier version: give --against",
                              code="PLNG009")
        return base, qv.diff(u, _operator(), base, version_id)

    outcome = _version_step(url, run)
    assert isinstance(outcome, tuple)
    base, changes = outcome
    table = Table(title=f"Quota version {base} -> {version_id}: {len(changes)} change(s)")
    for column in ("assignee", "measure", "from", "to", "before", "after", "change"):
        table.add_column(column)
    for c in changes:
        _kind, assignee, measure, start, end = c.key
        table.add_row(escape(assignee), escape(measure), str(start), str(end),
                      "" if c.before is None else f"{c.before:,}", "" if c.after is None else f"{c.after:,}",
                      f"{c.change} {c.delta:+,}")
    console.print(table)


def version_outlook(
    version_id: int,
    measure: str | None = typer.Option(None, "--measure"),
    history: str | None = typer.Option(None, "--history", help="FROM..TO (default: the year before)"),
    tolerance: str = typer.Option("0.25", "--tolerance", help="Flag medians this far from the team's"),
    url: str | None = UrlOption,
) -> None:
    """Expected attainment of each rep under the version's quotas, replaying their past periods."""
    from attain.services import quota_versions as qv

    start = end = None
    if history:
        first, _, last = history.partition("..")
        start, end = _date(first, "--history"), _date(last, "--history")
    found = _version_step(url, lambda u: qv.attainment_outlook(
        u, _operator(), version_id, measure=measure, history_from=start, history_to=end,
        tolerance=_decimal(tolerance, "--tolerance")))
    assert isinstance(found, qv.Outlook)
    team = found.team
    table = Table(title=f"{escape(found.version.label)}: expected attainment on {found.periods} past "
                        f"{found.period_months}-month periods ({found.history_from}..{found.history_to}, "
                        f"{found.source})")
    for column in ("rep", "quota / period", "p10", "median", "p90", "at quota", "vs team", "flag"):
        table.add_column(column, justify="left" if column in ("rep", "flag") else "right")

    def pct(value: Decimal | None, signed: bool = False) -> str:
        return "—" if value is None else (f"{value * 100:+.1f}%" if signed else f"{value * 100:.1f}%")

    for r in team.reps:
        table.add_row(escape(r.rep), f"{r.quota:,.2f}", pct(r.p10), pct(r.median), pct(r.p90),
                      pct(r.at_quota), pct(r.vs_team, True), r.flag)
    console.print(table)
    console.print(f"team median {pct(team.median)} (p10 {pct(team.p10)}, p90 {pct(team.p90)}); "
                  f"{team.expected_at_quota} of {len(team.reps)} rep(s) expected at quota; "
                  f"{len(team.outliers)} flagged")


VERSION_COMMANDS: dict[str, Callable[..., None]] = {
    "create": version_create, "edit": version_edit, "comment": version_comment, "approve": version_approve,
    "send-back": version_send_back, "publish": version_publish, "list": version_list, "show": version_show,
    "diff": version_diff, "outlook": version_outlook,
}
