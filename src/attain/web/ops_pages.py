"""Admin and finance pages: data imports (upload, optional mapping, the row-level error report), plans
(list, view, validate an upload with file:line codes, publish; save as a draft and preview it against
the live plan, then publish or discard), runs (started in the background with a polled job page; run
detail with a chart of what was paid, diff vs the previous run, submit and approve) and the payroll
export download.

The pages call the services (``imports.import_file``, ``plans.check_text`` / ``publish_file`` /
``save_draft_text`` / ``preview_draft``, ``jobs.start_run_job`` / ``get_job`` / ``run_totals``,
``runs.diff``, ``approvals``, ``exports.write_payroll``); an import or a publish with errors writes
nothing and the page lists every issue.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path, PurePath
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from markupsafe import Markup
from starlette.responses import JSONResponse, RedirectResponse, Response

from attain.api.deps import ContextDep, PrincipalDep
from attain.core.errors import AttainError
from attain.services import access
from attain.services.access import Principal
from attain.services.imports import IMPORT_ORDER, import_file
from attain.web import charts
from attain.web.templating import add_flash, render

router = APIRouter(include_in_schema=False)

UPLOAD_SUFFIXES = (".csv", ".xlsx", ".parquet")
PREVIEW_ROWS = 50
"""Payees listed per side (gains, losses) on the plan preview; the totals count everyone."""
CHART_ROWS = 25
MAPPING_SUFFIXES = (".yaml", ".yml")


def _require(principal: Principal, right: str) -> None:
    access.require(principal, right)


def _save(upload: UploadFile, folder: Path, allowed: tuple[str, ...]) -> Path:
    """Keep an upload under its own (sanitized) file name so issues name the file the user sent."""
    name = PurePath(upload.filename or "upload").name or "upload"
    if not name.lower().endswith(allowed):
        raise AttainError(f"{name}: expected a {' / '.join(allowed)} file", code=access.BAD_PARAMETER)
    path = folder / name
    with path.open("wb") as out:
        shutil.copyfileobj(upload.file, out)
    return path


@router.get("/admin/imports")
def imports_page(request: Request, principal: PrincipalDep) -> Response:
    _require(principal, "imports.run")
    return render(
        request, "imports.html", {"entities": IMPORT_ORDER, "report": None, "entity": "", "file_name": ""}
    )


@router.post("/admin/imports")
def run_import(
    request: Request,
    principal: PrincipalDep,
    context: ContextDep,
    entity: Annotated[str, Form(max_length=60)],
    data: Annotated[UploadFile, File()],
    mapping: Annotated[UploadFile | None, File()] = None,
) -> Response:
    _require(principal, "imports.run")
    if entity not in IMPORT_ORDER:
        raise AttainError(f"unknown entity {entity!r}", code=access.BAD_PARAMETER)
    with tempfile.TemporaryDirectory(prefix="attain-upload-") as folder:
        path = _save(data, Path(folder), UPLOAD_SUFFIXES)
        mapping_path = None
        if mapping is not None and mapping.filename:
            (Path(folder) / "mapping").mkdir()
            mapping_path = _save(mapping, Path(folder) / "mapping", MAPPING_SUFFIXES)
        report = import_file(context.url, entity, path, mapping_path, actor=principal.username)
    status = 200 if report.imported else 422
    values = {"entities": IMPORT_ORDER, "report": report, "entity": entity, "file_name": path.name}
    return render(request, "imports.html", values, status_code=status)


# -- plans ----------------------------------------------------------------------------------------


@router.get("/admin/plans")
def plans_page(request: Request, principal: PrincipalDep, context: ContextDep) -> Response:
    from attain.services import plans

    _require(principal, "plans.read")
    versions = plans.list_plan_versions(context.url, principal)
    return render(request, "plans.html", {"versions": versions, "issues": None, "checked": None})


@router.get("/admin/plans/{plan_id}/{version}")
def plan_view(
    request: Request, plan_id: str, version: int, principal: PrincipalDep, context: ContextDep
) -> Response:
    from attain.services import plans

    _require(principal, "plans.read")
    stored = plans.stored_document(context.url, principal, plan_id, version)
    return render(request, "plan.html", {"plan": stored})


@router.post("/admin/plans")
def plan_upload(
    request: Request,
    principal: PrincipalDep,
    context: ContextDep,
    document: Annotated[UploadFile, File()],
    action: Annotated[str, Form(max_length=20)] = "validate",
) -> Response:
    from attain.services import plans
    from attain.store.db import reading

    _require(principal, "plans.publish" if action in ("publish", "draft") else "plans.read")
    with tempfile.TemporaryDirectory(prefix="attain-plan-") as folder:
        path = _save(document, Path(folder), (".yaml", ".yml"))
        text = path.read_text(encoding="utf-8", errors="replace")
        with reading(context.url) as conn:
            known = plans.quota_measures(conn)
        issues = plans.check_text(text, path.name, known)
        errors = [issue for issue in issues if issue.is_error]
        if action == "publish" and not errors:
            published = plans.publish_file(context.url, path, principal.username)
            add_flash(request, f"Published {published.plan_id} version {published.version}.")
            return RedirectResponse("/admin/plans", status_code=303)
    if action == "draft" and not errors:
        draft = plans.save_draft_text(context.url, principal, text, path.name)
        saved = f"Saved {draft.plan_id} version {draft.version} as a draft: compare it, then publish."
        add_flash(request, saved)
        return RedirectResponse(f"/admin/plans/{quote(draft.plan_id, safe='')}/{draft.version}/preview", 303)
    versions = plans.list_plan_versions(context.url, principal)
    values = {"versions": versions, "issues": issues, "checked": path.name}
    return render(request, "plans.html", values, status_code=422 if errors else 200)


@router.get("/admin/plans/{plan_id}/{version}/preview")
def plan_preview(
    request: Request,
    plan_id: str,
    version: int,
    principal: PrincipalDep,
    context: ContextDep,
    period: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """The draft against the live plans on the last calculated period (the real engine, nothing saved)."""
    from attain.services import plans

    preview = plans.preview_draft(context.url, principal, plan_id, version, period.strip() or None)
    changed = sorted((r for r in preview.payees if r["delta"] != 0), key=lambda r: r["delta"], reverse=True)
    values = {
        "preview": preview,
        "gains": changed[:PREVIEW_ROWS],
        "losses": [r for r in reversed(changed) if r["delta"] < 0][:PREVIEW_ROWS],
        "chart": _preview_chart(preview, changed),
    }
    return render(request, "plan_preview.html", values)


def _preview_chart(preview: Any, changed: list[dict[str, Any]]) -> Markup | None:
    if not changed:
        return None
    biggest = sorted(changed, key=lambda r: abs(r["delta"]), reverse=True)[:CHART_ROWS]
    rows = [
        {"payee": f"{r['name'] or r['payee_id']} ({r['currency']})", "change": r["delta"]} for r in biggest
    ]
    spec = charts.diverging_bar_chart(rows, category="payee", value="change", title="Draft minus live")
    label = f"Who gains and who loses under {preview.plan_id} v{preview.version} in {preview.period_label}"
    return charts.chart_html(spec, f"preview-{preview.plan_id}-{preview.version}", label)


@router.post("/admin/plans/{plan_id}/{version}/{step}")
def plan_draft_step(
    request: Request, plan_id: str, version: int, step: str, principal: PrincipalDep, context: ContextDep
) -> Response:
    """Publish the previewed draft, or discard it."""
    from attain.services import plans

    if step == "publish":
        plans.publish_draft(context.url, principal, plan_id, version)
        add_flash(request, f"Published {plan_id} version {version}.", "success")
        return RedirectResponse(f"/admin/plans/{quote(plan_id, safe='')}/{version}", status_code=303)
    if step == "discard":
        plans.discard_draft(context.url, principal, plan_id, version)
        add_flash(request, f"Discarded the draft {plan_id} version {version}.", "success")
        return RedirectResponse("/admin/plans", status_code=303)
    raise access.not_found("action", step)


# -- runs -----------------------------------------------------------------------------------------


@router.get("/admin/runs")
def runs_page(request: Request, principal: PrincipalDep, context: ContextDep) -> Response:
    from attain.services import approvals, jobs, runs

    _require(principal, "runs.read")
    values = {
        "runs": runs.list_runs(context.url, principal, limit=20),
        "jobs": jobs.list_jobs(context.url, principal, limit=5),
        "periods": approvals.list_periods(context.url, principal),
    }
    return render(request, "runs.html", values)


@router.post("/admin/runs")
def start_run(
    request: Request,
    principal: PrincipalDep,
    context: ContextDep,
    periods: Annotated[str, Form(max_length=400)],
) -> Response:
    """Queue the run in the background and answer at once with its job page (which polls it)."""
    from attain.services import jobs

    labels = [label.strip() for label in periods.replace(",", " ").split() if label.strip()]
    job = jobs.start_run_job(context.url, principal, labels)
    return RedirectResponse(f"/admin/jobs/{job.job_id}", status_code=303)


def _job_document(url: str, job: Any) -> dict[str, Any]:
    from attain.services import jobs

    return {
        **asdict(job),
        "done": job.done,
        "waiting_on": jobs.waiting_on(url, job),
        "run_url": None if job.run_id is None else f"/admin/runs/{job.run_id}",
    }


@router.get("/admin/jobs/{job_id}.json")
def job_status(job_id: str, principal: PrincipalDep, context: ContextDep) -> Response:
    """The job record the job page polls (state, stage, percent, times, error, run)."""
    from attain.services import jobs

    job = jobs.get_job(context.url, principal, job_id)
    return JSONResponse(_job_document(context.url, job))


@router.get("/admin/jobs/{job_id}")
def job_page(request: Request, job_id: str, principal: PrincipalDep, context: ContextDep) -> Response:
    from attain.services import jobs

    job = jobs.get_job(context.url, principal, job_id)
    return render(request, "job.html", {"job": _job_document(context.url, job)})


@router.get("/admin/runs/{run_id}")
def run_detail(request: Request, run_id: int, principal: PrincipalDep, context: ContextDep) -> Response:
    from attain.services import approvals, jobs, runs
    from attain.store.db import reading

    _require(principal, "runs.read")
    with reading(context.url) as conn:
        run = runs.get_run(conn, principal, run_id)
    try:
        against, changes = runs.diff(context.url, principal, run_id)
        diff_rows = changes.slice(0, 200).to_pylist()
    except AttainError as error:
        against, diff_rows = None, [{"note": str(error)}]
    totals = jobs.run_totals(context.url, principal, run_id)
    values = {
        "run": run,
        "against": against,
        "changes": diff_rows,
        "totals": totals,
        "chart": _run_chart(run_id, totals),
        "periods": approvals.list_periods(context.url, principal),
    }
    return render(request, "run.html", values)


def _run_chart(run_id: int, totals: list[dict[str, Any]]) -> Markup | None:
    if not totals:
        return None
    rows = [{"period": t["period_label"], "kind": t["kind"], "amount": t["amount"]} for t in totals]
    spec = charts.bar_chart(rows, x="period", y="amount", color="kind", sort="ascending",
                            x_title="Period", y_title="Paid")
    return charts.chart_html(spec, f"run-{run_id}", f"Run {run_id}: amount paid per period, by kind of line")


@router.post("/admin/periods/{label}/{step}")
def period_step(
    request: Request,
    label: str,
    step: str,
    principal: PrincipalDep,
    context: ContextDep,
    run_id: Annotated[int, Form()] = 0,
) -> Response:
    """Submit a period for review, or approve / reject its run under review (the service checks roles)."""
    from attain.services import approvals

    _require(principal, "periods.decide")
    if step == "submit":
        _require(principal, "runs.start")
        approvals.submit_for_review(context.url, principal, label)
    elif step in ("approve", "reject"):
        approvals.decide(context.url, principal, label, run_id, approve=step == "approve")
    else:
        raise access.not_found("action", step)
    add_flash(request, f"{label}: {step} done.")
    return RedirectResponse("/admin/runs", status_code=303)


@router.get("/admin/exports/payroll/{label}.csv")
def payroll_export(label: str, principal: PrincipalDep, context: ContextDep) -> Response:
    from attain.services import exports

    _require(principal, "payouts.read")
    with tempfile.TemporaryDirectory(prefix="attain-export-") as folder:
        out = Path(folder) / f"payroll-{label}.csv"
        exports.write_payroll(context.url, principal, [label], out)
        body = out.read_bytes()
    name = f"payroll-{label}.csv".replace('"', "")
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
