"""CLI commands of the payout lifecycle: attain run (and run diff/list), period, adjustment, dispute,
statement and export. Each is a thin call of a service in attain.services."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from attain.core.errors import AttainError

if TYPE_CHECKING:
    from attain.services.access import Page, Principal

console = Console(width=None if sys.stdout.isatty() else 140)
errors = Console(stderr=True)

run_app = typer.Typer(help="Calculate and pay periods; compare runs.", invoke_without_command=True)
period_app = typer.Typer(help="Close a pay period: review, approve, pay, lock.", no_args_is_help=True)
adjustment_app = typer.Typer(help="Manual adjustments (one-off payments, corrections).", no_args_is_help=True)
dispute_app = typer.Typer(help="Disputes raised by payees on payout lines.", no_args_is_help=True)
export_app = typer.Typer(help="Payroll and ledger exports.", no_args_is_help=True)
T = TypeVar("T")
STAGES = ("inputs", "credit", "measure", "earn", "outputs", "pay", "store")
UrlOption = typer.Option(
    None, "--database-url", envvar="ATTAIN_DATABASE_URL", help="Database (default: home)"
)


def _executor_name(value: str) -> str:
    """--executor / ATTAIN_EXECUTOR: duckdb or spark."""
    if value not in ("duckdb", "spark"):
        raise typer.BadParameter(f"{value!r}: use duckdb or spark")
    return value


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `attain` app."""
    app.add_typer(run_app, name="run")
    app.add_typer(period_app, name="period")
    app.add_typer(adjustment_app, name="adjustment")
    app.add_typer(dispute_app, name="dispute")
    app.add_typer(export_app, name="export")
    app.command("statement")(statement_command)
    app.command("statements")(statements_command)


def _url(url: str | None) -> str:
    if url:
        return url
    from attain.settings import get_settings

    return get_settings().database_url


def _actor(user: str | None = None) -> str:
    if user:
        return user
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no login name in some containers
        return "cli"


def _fail(exc: AttainError) -> None:
    errors.print(f"[red]error[/red] [{exc.code}] {exc}")
    for issue in exc.issues[:20]:
        errors.print(f"  {issue}")
    raise typer.Exit(1)


def _money(amount: Decimal, currency: str | None = None) -> str:
    """A paid amount at its currency's places (KWD 3, JPY 0, others 2), grouped; never a float."""
    from attain.core.money import minor_unit

    places = minor_unit((currency or "").upper())
    return f"{amount:,.{places}f}"


# -- attain run ----------------------------------------------------------------------------------


@run_app.callback()
def run_command(
    ctx: typer.Context,
    year: int | None = typer.Option(None, "--year", help="Every pay period of this fiscal year"),
    period: list[str] = typer.Option([], "--period", help="Pay period label, e.g. 2017-Q1 (repeatable)"),
    payee: list[str] = typer.Option([], "--payee", help="Only these payees (a check run)"),
    threads: int | None = typer.Option(None, help="Executor threads (default: all cores)"),
    executor: str = typer.Option("duckdb", "--executor", envvar="ATTAIN_EXECUTOR",
                                 callback=_executor_name, help="duckdb (embedded) or spark"),
    cluster_url: str | None = typer.Option(None, "--cluster-url", envvar="ATTAIN_SPARK_URL",
                                           help="Spark master, e.g. spark://host:7077 (default: local mode)"),
    lock_lease: float = typer.Option(
        120.0,
        "--lock-lease",
        envvar="ATTAIN_RUN_LOCK_LEASE",
        help="Seconds this run may go silent before another run may take its periods over",
    ),
    database_url: str | None = UrlOption,
) -> None:
    """Calculate and pay periods (default: the year of the latest transaction) and store the run."""
    if ctx.invoked_subcommand is not None:
        return
    from attain.engine import CalcOptions
    from attain.services.runs import run_payouts

    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=errors, transient=True) as progress:
        task = progress.add_task("starting", total=len(STAGES))

        def advance(stage: str) -> None:
            done = next((i for i, s in enumerate(STAGES) if stage.startswith(s)), 0)
            progress.update(task, completed=done, description=stage)

        try:
            outcome = run_payouts(
                _url(database_url),
                periods=period or None,
                year=year,
                payees=payee or None,
                actor=_actor(),
                options=CalcOptions(threads=threads, executor=executor, cluster_url=cluster_url or None),
                progress=advance,
                lease_seconds=lock_lease,
            )
        except AttainError as exc:
            _fail(exc)
            return
    totals = ", ".join(f"{_money(v, k)} {k}" for k, v in sorted(outcome.totals.items())) or "nothing"
    console.print(
        f"run {outcome.run_id}: {', '.join(outcome.periods)} — {outcome.payees:,} payees, "
        f"{outcome.lines:,} payout lines, total {totals}"
    )
    console.print(
        f"input fingerprint {outcome.fingerprint[:16]}…"
        + (f" (same inputs as run {outcome.same_inputs_as})" if outcome.same_inputs_as else "")
    )
    for issue in outcome.issues[:10]:
        errors.print(f"  {issue}")


@run_app.command("list")
def run_list(limit: int = typer.Option(20), database_url: str | None = UrlOption) -> None:
    """The latest runs."""
    from attain.services.access import COMMAND_LINE
    from attain.services.runs import list_runs

    table = Table("run", "status", "periods", "by", "finished", "fingerprint")
    for run in list_runs(_url(database_url), COMMAND_LINE, limit):
        table.add_row(
            str(run["id"]),
            run["status"],
            ", ".join(run["periods"] or []),
            run["created_by"],
            str(run["finished_at"] or ""),
            (run["input_fingerprint"] or "")[:12],
        )
    console.print(table)


@run_app.command("locks")
def run_locks(database_url: str | None = UrlOption) -> None:
    """Which periods are being calculated now, by whom, and when their lease runs out."""
    from attain.services.run_locks import lock_holders

    table = Table("period", "held by", "host", "pid", "since", "renewed", "lease (s)", "state")
    for held in lock_holders(_url(database_url)):
        table.add_row(
            held.period_label,
            held.actor,
            held.host,
            str(held.pid or ""),
            str(held.since or ""),
            str(held.renewed_at),
            f"{held.lease_seconds:g}",
            "[red]expired[/red] (the next run takes it over)" if held.expired() else "held",
        )
    console.print(table if table.row_count else "no period is locked")


@run_app.command("diff")
def run_diff(
    run: int = typer.Argument(..., help="The newer run"),
    against: int | None = typer.Option(
        None, "--against", help="The older run (default: the previous run of the same periods)"
    ),
    limit: int = typer.Option(50, help="Rows shown"),
    database_url: str | None = UrlOption,
) -> None:
    """Which payees' payouts changed between two runs, by how much, and why."""
    from attain.services.access import COMMAND_LINE
    from attain.services.runs import diff

    try:
        older, rows = diff(_url(database_url), COMMAND_LINE, run, against)
    except AttainError as exc:
        _fail(exc)
        return
    table = Table("payee", "period", "before", "after", "change", "why", title=f"run {run} vs run {older}")
    for row in rows.slice(0, limit).to_pylist():
        table.add_row(
            row["payee_id"],
            row["period_label"],
            _money(row["before"], row["currency"]),
            _money(row["after"], row["currency"]),
            _money(row["change"], row["currency"]) + " " + row["currency"],
            row["reasons"],
        )
    console.print(table)
    console.print(f"{rows.num_rows:,} payee-period(s) changed")


# -- attain period -------------------------------------------------------------------------------


@period_app.command("list")
def period_list(database_url: str | None = UrlOption) -> None:
    """Every period with a status, and the run its lines come from."""
    from attain.services.access import COMMAND_LINE
    from attain.services.approvals import list_periods

    table = Table("period", "status", "run", "changed by", "at")
    for row in list_periods(_url(database_url), COMMAND_LINE):
        table.add_row(
            row["period_label"],
            row["status"],
            str(row["run_id"] or ""),
            row["changed_by"] or "",
            str(row["changed_at"] or ""),
        )
    console.print(table)


@period_app.command("submit")
def period_submit(
    label: str,
    user: str = typer.Option(..., "--user"),
    comment: str | None = None,
    database_url: str | None = UrlOption,
) -> None:
    """calculated -> in review."""
    from attain.services import approvals

    url = _url(database_url)
    _guard(lambda: approvals.submit_for_review(url, approvals.acting_user(url, user), label, comment=comment))
    console.print(f"{label}: in review")


@period_app.command("approve")
def period_approve(
    label: str,
    run: int = typer.Option(..., "--run", help="The run you reviewed"),
    user: str = typer.Option(..., "--user"),
    comment: str | None = None,
    reject: bool = typer.Option(False, "--reject", help="Send it back instead"),
    database_url: str | None = UrlOption,
) -> None:
    """Approve (manager, then finance) or reject the run under review."""
    from attain.services import approvals

    url = _url(database_url)
    state = _guard(
        lambda: approvals.decide(
            url, approvals.acting_user(url, user), label, run, approve=not reject, comment=comment
        )
    )
    console.print(f"{label}: {state.status} ({len(state.approvals)} approval(s) of run {state.run_id})")


@period_app.command("pay")
def period_pay(
    label: str, user: str = typer.Option(..., "--user"), database_url: str | None = UrlOption
) -> None:
    """approved -> paid (finance)."""
    from attain.services import approvals

    url = _url(database_url)
    _guard(lambda: approvals.mark_paid(url, approvals.acting_user(url, user), label))
    console.print(f"{label}: paid")


@period_app.command("lock")
def period_lock(
    label: str, user: str = typer.Option(..., "--user"), database_url: str | None = UrlOption
) -> None:
    """paid -> locked (finance): never rewritten."""
    from attain.services import approvals

    url = _url(database_url)
    _guard(lambda: approvals.lock(url, approvals.acting_user(url, user), label))
    console.print(f"{label}: locked")


def _guard(action: Callable[[], T]) -> T:
    try:
        return action()
    except AttainError as exc:
        _fail(exc)
        raise  # unreachable: _fail exits


# -- attain adjustment / dispute -----------------------------------------------------------------


@adjustment_app.command("add")
def adjustment_add(
    payee: str,
    period: str,
    amount: str,
    reason: str = typer.Option(..., "--reason"),
    currency: str = typer.Option("USD"),
    corrects: int | None = typer.Option(None, "--corrects"),
    user: str = typer.Option(..., "--user"),
    database_url: str | None = UrlOption,
) -> None:
    """Record an adjustment as a finance or admin user (the finance desk's rule), to be approved by
    someone else; audited under that user, like the desk."""
    from attain.services.adjustments import desk_create
    from attain.services.approvals import acting_user

    url = _url(database_url)
    new_id = _guard(
        lambda: desk_create(
            url,
            acting_user(url, user),
            payee_id=payee,
            period_label=period,
            amount=amount,
            currency=currency,
            reason=reason,
            corrects_payout_id=corrects,
        )
    )
    console.print(f"adjustment {new_id} recorded; approve it with `attain adjustment approve {new_id}`")


@adjustment_app.command("approve")
def adjustment_approve(
    adjustment_id: int, user: str = typer.Option(..., "--user"), database_url: str | None = UrlOption
) -> None:
    """Approve an adjustment as a finance or admin user (never its author): the next run pays it."""
    from attain.services.adjustments import desk_decide
    from attain.services.approvals import acting_user

    url = _url(database_url)
    _guard(lambda: desk_decide(url, acting_user(url, user), adjustment_id, approve=True))
    console.print(f"adjustment {adjustment_id} approved")


ListUser = typer.Option(
    None, "--user", help="List as this user of the app, within their role (default: the operator sees all)"
)
LimitOption = typer.Option(200, "--limit", help="Rows shown (at most 200)")
OffsetOption = typer.Option(0, "--offset", help="Rows skipped")


def _reader(url: str, user: str | None) -> Principal:
    """Who a listing reads as: the named user (their role and payee; PAY040 when unknown), or the
    operator who holds the database URL (``access.COMMAND_LINE``)."""
    from attain.services.access import COMMAND_LINE
    from attain.services.approvals import acting_user

    return COMMAND_LINE if user is None else acting_user(url, user)


def _shown(page: Page, what: str) -> str:
    last = page.offset + len(page.items)
    if page.total > len(page.items):
        return f"{what} {page.offset + 1 if page.items else 0}–{last} of {page.total:,}"
    return f"{page.total:,} {what}"


@adjustment_app.command("list")
def adjustment_list(
    payee: str = typer.Option("", "--payee"),
    period: str = typer.Option("", "--period"),
    status: str = typer.Option("", "--status", help="pending, approved or rejected"),
    user: str | None = ListUser,
    limit: int = LimitOption,
    offset: int = OffsetOption,
    database_url: str | None = UrlOption,
) -> None:
    """Adjustments, newest first, as the finance desk lists them (finance or admin; AUTH004 otherwise)."""
    from attain.services.adjustments import desk_list

    url = _url(database_url)
    page = _guard(
        lambda: desk_list(
            url,
            _reader(url, user),
            period_label=period,
            payee_id=payee,
            status=status,
            limit=limit,
            offset=offset,
        )
    )
    table = Table("id", "payee", "period", "amount", "status", "reason", "author", "decided by",
                  "corrects", "paid in run")
    for row in page.items:
        table.add_row(
            str(row["id"]),
            row["payee_id"],
            row["period_label"],
            f"{row['amount']} {row['currency']}",
            row["status"],
            row["reason"],
            row["author"],
            row["decided_by"] or row["approved_by"] or "",
            str(row["corrects_payout_id"] or ""),
            str(row["paid_in_run"] or ""),
        )
    console.print(table)
    console.print(_shown(page, "adjustment(s)"))


def _acting(url: str, user: str) -> Principal:
    from attain.services.approvals import acting_user

    return acting_user(url, user)


@dispute_app.command("raise")
def dispute_raise(
    line: int, message: str, user: str = typer.Option(..., "--user"), database_url: str | None = UrlOption
) -> None:
    """Raise a dispute on one of your own payout lines (its id in your statement), as the payee's user."""
    from attain.services.disputes import raise_own

    url = _url(database_url)
    new_id = _guard(lambda: raise_own(url, _acting(url, user), line, message))
    console.print(f"dispute {new_id} raised")


@dispute_app.command("assign")
def dispute_assign(
    dispute_id: int,
    assignee: str,
    user: str = typer.Option(..., "--user"),
    database_url: str | None = UrlOption,
) -> None:
    """Assign a dispute to an active finance or admin user (the desk: finance or admin)."""
    from attain.services.disputes import desk_assign

    url = _url(database_url)
    _guard(lambda: desk_assign(url, _acting(url, user), dispute_id, assignee))
    console.print(f"dispute {dispute_id} assigned to {assignee}")


@dispute_app.command("answer")
def dispute_answer(
    dispute_id: int, text: str, user: str = typer.Option(..., "--user"), database_url: str | None = UrlOption
) -> None:
    """Answer the payee (the desk: finance or admin; an unassigned dispute is assigned to you)."""
    from attain.services.disputes import desk_answer

    url = _url(database_url)
    _guard(lambda: desk_answer(url, _acting(url, user), dispute_id, text))
    console.print(f"dispute {dispute_id} answered")


@dispute_app.command("resolve")
def dispute_resolve(
    dispute_id: int,
    resolution: str,
    user: str = typer.Option(..., "--user"),
    database_url: str | None = UrlOption,
) -> None:
    """Close a dispute with a resolution the payee reads (the desk: finance or admin)."""
    from attain.services.disputes import desk_resolve

    url = _url(database_url)
    _guard(lambda: desk_resolve(url, _acting(url, user), dispute_id, resolution))
    console.print(f"dispute {dispute_id} resolved")


@dispute_app.command("adjust")
def dispute_adjust(
    dispute_id: int,
    amount: str,
    period: str,
    reason: str = typer.Option(..., "--reason"),
    currency: str = typer.Option("USD"),
    user: str = typer.Option(..., "--user"),
    database_url: str | None = UrlOption,
) -> None:
    """Settle a dispute with an adjustment pointing at the disputed line (the desk: finance or admin);
    someone else approves it."""
    from attain.services.disputes import desk_to_adjustment

    url = _url(database_url)
    new_id = _guard(
        lambda: desk_to_adjustment(
            url,
            _acting(url, user),
            dispute_id,
            amount=amount,
            currency=currency,
            reason=reason,
            period_label=period,
        )
    )
    console.print(f"dispute {dispute_id} settled by adjustment {new_id} (to be approved)")


@dispute_app.command("list")
def dispute_list(
    status: str = typer.Option(
        "", "--status", help="open, assigned, answered, resolved, adjusted or unresolved (default: all)"
    ),
    user: str | None = ListUser,
    limit: int = LimitOption,
    offset: int = OffsetOption,
    database_url: str | None = UrlOption,
) -> None:
    """Disputes, oldest first, within the user's scope: a rep's own, a manager's hierarchy as of
    today, everyone's for finance and admin (and the operator)."""
    from attain.services.disputes import visible_disputes

    url = _url(database_url)
    page = _guard(
        lambda: visible_disputes(url, _reader(url, user), status=status, limit=limit, offset=offset)
    )
    table = Table("id", "line", "payee", "period", "amount", "status", "message", "assignee", "raised")
    for row in page.items:
        currency = row["line_currency"]
        amount = "" if row["line_amount"] is None else f"{_money(row['line_amount'], currency)} {currency}"
        table.add_row(
            str(row["id"]),
            str(row["payout_id"]),
            row["payee_id"],
            row["period_label"],
            amount,
            row["status"],
            row["message"],
            row["assignee"] or "",
            str(row["created_at"]),
        )
    console.print(table)
    console.print(_shown(page, "dispute(s)"))


# -- statements and exports ----------------------------------------------------------------------


def statement_command(
    payee: str = typer.Argument(..., help="Payee id"),
    period: str = typer.Argument(..., help="Pay period label"),
    html: Path | None = typer.Option(None, "--html", help="Write the HTML statement here"),
    pdf: Path | None = typer.Option(None, "--pdf", help="Write the PDF statement here"),
    database_url: str | None = UrlOption,
) -> None:
    """A payee's statement for a period (from the period's current run): HTML and/or PDF."""
    from attain.services.access import COMMAND_LINE
    from attain.services.statements import statement_html, statement_pdf

    url = _url(database_url)
    if html is None and pdf is None:
        pdf = Path(f"statement-{payee}-{period}.pdf".replace(" ", "_"))
    if html is not None:
        html.write_text(_guard(lambda: statement_html(url, COMMAND_LINE, payee, period)), encoding="utf-8")
        console.print(f"wrote {html}")
    if pdf is not None:
        pdf.write_bytes(_guard(lambda: statement_pdf(url, COMMAND_LINE, payee, period)))
        console.print(f"wrote {pdf}")


def statements_command(
    period: str = typer.Option(..., "--period", help="Pay period label"),
    out: Path = typer.Option(..., "--out", help="Folder for the statements (one file per payee)"),
    payee: list[str] = typer.Option([], "--payee", help="Only these payees (repeatable; default: all)"),
    pdf: bool = typer.Option(False, "--pdf", help="PDF (batched over processes) instead of HTML"),
    workers: int | None = typer.Option(None, help="Worker processes for PDFs (default: all cores)"),
    batch: int = typer.Option(40, help="Statements laid out together as one document"),
    database_url: str | None = UrlOption,
) -> None:
    """Every payee's statement of a period into a folder, with a progress bar."""
    from attain.services.access import COMMAND_LINE
    from attain.services.statement_pdf import render_period_pdfs
    from attain.services.statements import render_statements

    url = _url(database_url)
    if not pdf:
        written = _guard(
            lambda: render_statements(url, COMMAND_LINE, period, out, payees=payee or None, pdf=False)
        )
        console.print(f"{len(written):,} HTML statements → {out}")
        return
    columns = (TextColumn("statements"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=errors, transient=True) as bar:
        task = bar.add_task("statements", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = _guard(
            lambda: render_period_pdfs(
                url,
                COMMAND_LINE,
                period,
                out,
                payees=payee or None,
                batch_size=batch,
                workers=workers,
                progress=advance,
            )
        )
    console.print(f"{len(result.paths):,} PDF statements → {out}")


@export_app.command("payroll")
def export_payroll(
    period: list[str] = typer.Option(..., "--period"),
    out: Path = typer.Option(..., "--out"),
    layout: Path | None = typer.Option(None, "--layout", help="Mapping YAML to another layout"),
    database_url: str | None = UrlOption,
) -> None:
    """Payroll CSV: one row per payee and pay date (docs/payouts.md)."""
    from attain.services.access import COMMAND_LINE
    from attain.services.exports import write_payroll

    rows = _guard(lambda: write_payroll(_url(database_url), COMMAND_LINE, period, out, layout))
    console.print(f"{rows:,} payroll rows → {out}")


@export_app.command("ledger")
def export_ledger(
    period: list[str] = typer.Option(..., "--period"),
    out: Path = typer.Option(..., "--out"),
    database_url: str | None = UrlOption,
) -> None:
    """Ledger CSV for finance: every payout line with its run, kind, component and FX."""
    from attain.services.access import COMMAND_LINE
    from attain.services.exports import write_ledger

    rows = _guard(lambda: write_ledger(_url(database_url), COMMAND_LINE, period, out))
    console.print(f"{rows:,} ledger rows → {out}")
