"""PDF statements of a whole period at scale: batches laid out as one WeasyPrint document, split per payee.

Rendering statements one by one pays WeasyPrint's fixed costs for every payee (HTML and CSS parsing,
the user-agent stylesheet, fonts) and a Vega chart conversion each. Here the period's data is read
once (``services.statements.load_period``), payees are cut into batches, and each batch is one HTML
document (``templates/statements.html``: every statement a ``<section id="statement-N">``, a page
break between them) laid out once; its pages are then split per payee with ``Document.copy(pages)``
(a statement starts on the page holding its section's anchor) and written as one PDF per payee.
Batches run in a process pool (WeasyPrint is single-threaded). The attainment chart is a small
SVG drawn here (bars of attainment to date per period), which WeasyPrint lays out in a fraction of
the time of a converted Vega-Lite chart.
"""

from __future__ import annotations

import copy
import multiprocessing
import os
import resource
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from html import escape
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import Engine

from attain.core.errors import AttainError
from attain.payouts.codes import PAY040
from attain.services.access_scope import Principal
from attain.services.statements import PeriodBundle, load_period, money, statement_data
from attain.store.db import reading

Progress = Callable[[int, int], None]
"""Called with (statements written, statements in all) after each batch."""
DEFAULT_BATCH = 40
CHART_WIDTH, CHART_HEIGHT, BAR_GAP = 240.0, 90.0, 2.0


@dataclass(frozen=True)
class PdfStatements:
    """What a period's rendering wrote, with the CPU its workers used and their peak memory."""

    paths: list[Path]
    worker_cpu_seconds: float
    peak_worker_rss_mb: int
    processes: int = 0
    """Worker processes used (0: rendered in the calling process)."""


@dataclass(frozen=True)
class Batch:
    """Statements one worker lays out as one document: their data and the files to write."""

    period_label: str
    statements: list[dict[str, Any]]
    paths: list[Path]


# -- the chart ----------------------------------------------------------------------------------


def attainment_bars(history: list[dict[str, Any]]) -> str:
    """Attainment to date per period as an SVG bar chart (geometry only: no money is drawn)."""
    values = [
        (str(r["period_label"]), str(r["measure_id"]), float(r["attainment_to_date"] * 100))
        for r in history
        if r["attainment_to_date"] is not None
    ]
    if not values:
        return ""
    top = max(100.0, *(v for _, _, v in values))
    slot = CHART_WIDTH / len(values)
    bars, labels = [], []
    for i, (period, measure, pct) in enumerate(values):
        height = max(pct, 0.0) / top * (CHART_HEIGHT - 14)
        x, y = i * slot + BAR_GAP / 2, CHART_HEIGHT - 12 - height
        bars.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot - BAR_GAP:.1f}" height="{height:.1f}" '
            f'fill="#3b6ea8"><title>{escape(period)} {escape(measure)}: {pct:.1f}%</title></rect>'
        )
        if len(values) <= 13:
            labels.append(
                f'<text x="{x + (slot - BAR_GAP) / 2:.1f}" y="{CHART_HEIGHT - 2:.1f}" font-size="6" '
                f'text-anchor="middle">{escape(period[-3:])}</text>'
            )
    goal = CHART_HEIGHT - 12 - 100 / top * (CHART_HEIGHT - 14)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {CHART_WIDTH:.0f} {CHART_HEIGHT:.0f}" '
        f'role="img" aria-label="attainment to date">'
        f'<text x="0" y="7" font-size="7">Attainment to date (%), 100% line</text>{"".join(bars)}'
        f'<line x1="0" x2="{CHART_WIDTH:.0f}" y1="{goal:.1f}" y2="{goal:.1f}" stroke="#c0392b" '
        f'stroke-width="0.6"/>{"".join(labels)}</svg>'
    )


# -- one batch: one document, one PDF per payee -------------------------------------------------


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(loader=PackageLoader("attain.payouts", "templates"), autoescape=select_autoescape())
    env.globals["money"] = money
    env.globals["pct"] = lambda v: "" if v is None else f"{Decimal(v) * 100:.1f}%"
    return env


def batch_html(period_label: str, statements: list[dict[str, Any]]) -> str:
    """One HTML document holding every statement of the batch, each in its own section."""
    shown = [{**s, "chart_svg": attainment_bars(s["history"])} for s in statements]
    return _environment().get_template("statements.html").render(period_label=period_label, statements=shown)


def first_pages(pages: list[Any], count: int) -> list[int]:
    """The page each of ``count`` statements starts on (where its section's anchor first appears)."""
    starts: dict[int, int] = {}
    for number, page in enumerate(pages):
        for anchor in page.anchors:
            if anchor.startswith("statement-"):
                starts.setdefault(int(anchor.removeprefix("statement-")), number)
    missing = [i for i in range(count) if i not in starts]
    if missing:
        raise AttainError(f"statements {missing} have no page in their batch", code=PAY040)
    return [starts[i] for i in range(count)]


def split_statements(pages: list[Any], count: int) -> list[list[Any]]:
    """The pages of each of ``count`` statements laid out one after another in one document."""
    starts = first_pages(pages, count)
    return [pages[start:end] for start, end in zip(starts, [*starts[1:], len(pages)], strict=True)]


def render_batch(batch: Batch) -> PdfStatements:
    """Lay the batch out once and write each payee's pages as a PDF of their own."""
    from weasyprint import HTML

    cpu = time.process_time()
    document = HTML(string=batch_html(batch.period_label, batch.statements)).render()
    parts = split_statements(document.pages, len(batch.statements))
    for data, path, pages in zip(batch.statements, batch.paths, parts, strict=True):
        part = document.copy(pages)
        part.metadata = copy.copy(document.metadata)
        part.metadata.title = f"Statement {data['payee_name']} — {data['period_label']}"
        part.write_pdf(path)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    return PdfStatements(batch.paths, time.process_time() - cpu, int(peak))


# -- a period -----------------------------------------------------------------------------------


def statement_path(out_dir: Path, payee_id: str, period_label: str) -> Path:
    """Where a payee's statement goes (the name ``render_statements`` uses too)."""
    return out_dir / f"{payee_id}-{period_label}.pdf".replace(" ", "_").replace("/", "_")


def batches(bundle: PeriodBundle, who: list[str], out_dir: Path, size: int) -> Iterator[Batch]:
    for start in range(0, len(who), size):
        chunk = who[start : start + size]
        yield Batch(
            bundle.period_label,
            [statement_data(bundle, payee_id) for payee_id in chunk],
            [statement_path(out_dir, payee_id, bundle.period_label) for payee_id in chunk],
        )


def _pool(workers: int) -> ProcessPoolExecutor:
    """Worker processes started from a fork server that has already imported WeasyPrint."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["weasyprint", "attain.services.statement_pdf"])
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)


def render_period_pdfs(
    target: str | Engine,
    principal: Principal,
    period_label: str,
    out_dir: Path,
    *,
    payees: list[str] | None = None,
    batch_size: int = DEFAULT_BATCH,
    workers: int | None = None,
    limit: int | None = None,
    progress: Progress | None = None,
) -> PdfStatements:
    """Each payee's (or ``payees``') PDF statement of a period that ``principal`` may read into
    ``out_dir``, batches over processes (the scope rules of ``statements.load_period``)."""
    with reading(target) as conn:
        bundle = load_period(conn, principal, period_label, payees)
    who = sorted(set(bundle.rows["lines"]) | set(bundle.rows["components"]))[:limit]
    if payees is not None and (unknown := sorted(set(payees) - set(who))):
        raise AttainError(f"nothing calculated for {', '.join(unknown)} in {period_label}", code=PAY040)
    out_dir.mkdir(parents=True, exist_ok=True)
    tell = progress or (lambda _done, _total: None)
    jobs = batches(bundle, who, out_dir, max(1, batch_size))
    workers = min(workers or os.cpu_count() or 1, max(1, -(-len(who) // max(1, batch_size))))
    if workers <= 1:
        results: Iterator[PdfStatements] = (render_batch(batch) for batch in jobs)
        return _collect(results, len(who), tell, 0)
    with _pool(workers) as pool:
        return _collect(_bounded(pool, jobs, workers * 2), len(who), tell, workers)


def _collect(results: Iterator[PdfStatements], total: int, tell: Progress, processes: int) -> PdfStatements:
    paths: list[Path] = []
    cpu, peak = 0.0, 0
    for done in results:
        paths += done.paths
        cpu, peak = cpu + done.worker_cpu_seconds, max(peak, done.peak_worker_rss_mb)
        tell(len(paths), total)
    return PdfStatements(paths, round(cpu, 3), peak, processes)


def _bounded(pool: ProcessPoolExecutor, jobs: Iterator[Batch], most: int) -> Iterator[PdfStatements]:
    """Results as batches finish, with at most ``most`` batches queued (memory stays flat)."""
    running: set[Future[PdfStatements]] = set()
    for batch in jobs:
        running.add(pool.submit(render_batch, batch))
        if len(running) >= most:
            done, running = wait(running, return_when=FIRST_COMPLETED)
            yield from (future.result() for future in done)
    for future in running:
        yield future.result()
