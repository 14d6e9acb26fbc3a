"""Batched PDF statements: one document per batch, split so each payee gets exactly their own pages."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from attain.cli.main import app
from attain.core.errors import AttainError
from attain.services.access import COMMAND_LINE
from attain.services.runs import run_payouts
from attain.services.statement_pdf import (
    attainment_bars,
    batch_html,
    render_period_pdfs,
    split_statements,
    statement_path,
)
from attain.services.statements import load_period, statement_data
from attain.store.db import reading, upgrade
from tests.services.payout_company import deal, load_company, put

PERIOD = "2017-01"
NAMES = {"R1": "Rita Rep", "R2": "Rob Rep", "R3": "Ray Ramp"}


@pytest.fixture
def company(sqlite_url: str) -> str:
    """The payout company, with 90 January deals for Rita so her statement runs over several pages."""
    upgrade(sqlite_url)
    load_company(sqlite_url)
    many = [deal(f"M{i:03d}", "R1", date(2017, 1, 2) + timedelta(days=i % 28), 100 + i) for i in range(90)]
    put(sqlite_url, "transaction", many)
    run_payouts(sqlite_url, periods=[PERIOD])
    return sqlite_url


def statements(url: str) -> list[dict[str, Any]]:
    with reading(url) as conn:
        bundle = load_period(conn, COMMAND_LINE, PERIOD)
    return [statement_data(bundle, payee) for payee in sorted(NAMES)]


def text_of(pages: list[Any]) -> str:
    return " ".join(
        box.text for page in pages for box in page._page_box.descendants() if hasattr(box, "text")
    )


def test_a_batch_is_split_so_each_payee_gets_exactly_their_own_pages(company: str) -> None:
    from weasyprint import HTML

    data = statements(company)
    together = HTML(string=batch_html(PERIOD, data)).render()
    parts = split_statements(together.pages, len(data))
    assert len(parts[0]) > 1  # Rita's 90 deals do not fit one page
    assert sum(len(p) for p in parts) == len(together.pages)
    for one, pages in zip(data, parts, strict=True):
        alone = HTML(string=batch_html(PERIOD, [one])).render()
        assert len(pages) == len(alone.pages), one["payee_id"]
        text = text_of(pages)
        assert one["payee_name"] in text_of(pages[:1])
        assert all(name not in text for name in NAMES.values() if name != one["payee_name"])
    assert "M089" in text_of(parts[0]) and "M089" not in text_of(parts[1])


def test_a_period_renders_one_pdf_per_payee_over_worker_processes(company: str, tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    done = render_period_pdfs(
        company,
        COMMAND_LINE,
        PERIOD,
        tmp_path,
        workers=2,
        batch_size=1,
        progress=lambda d, t: seen.append((d, t)),
    )
    assert sorted(done.paths) == sorted(statement_path(tmp_path, p, PERIOD) for p in NAMES)
    assert all(p.read_bytes().startswith(b"%PDF-") for p in done.paths)
    assert done.processes == 2 and done.worker_cpu_seconds > 0 and seen[-1] == (3, 3)
    in_process = render_period_pdfs(company, COMMAND_LINE, PERIOD, tmp_path / "one", workers=1, batch_size=2)
    assert in_process.processes == 0 and len(in_process.paths) == 3


def test_only_the_payees_asked_for_and_an_unknown_payee_is_an_error(company: str, tmp_path: Path) -> None:
    done = render_period_pdfs(company, COMMAND_LINE, PERIOD, tmp_path, payees=["R2"], workers=1)
    assert [p.name for p in done.paths] == [f"R2-{PERIOD}.pdf"]
    with pytest.raises(AttainError) as unknown:
        render_period_pdfs(company, COMMAND_LINE, PERIOD, tmp_path, payees=["R2", "NOBODY"], workers=1)
    assert unknown.value.code == "PAY040" and "NOBODY" in str(unknown.value)


def test_the_statements_command_writes_a_folder(company: str, tmp_path: Path) -> None:
    env = {"ATTAIN_DATABASE_URL": company, "COLUMNS": "200"}
    runner = CliRunner()
    pdfs = runner.invoke(
        app,
        ["statements", "--period", PERIOD, "--out", str(tmp_path / "pdf"), "--pdf", "--workers", "1"],
        env=env,
    )
    assert pdfs.exit_code == 0, pdfs.output
    assert "3 PDF statements" in pdfs.output and len(list((tmp_path / "pdf").glob("*.pdf"))) == 3
    html = runner.invoke(
        app, ["statements", "--period", PERIOD, "--out", str(tmp_path / "html"), "--payee", "R1"], env=env
    )
    assert html.exit_code == 0, html.output
    assert [p.name for p in (tmp_path / "html").iterdir()] == [f"R1-{PERIOD}.html"]


def test_the_attainment_chart_draws_a_bar_per_period_to_scale() -> None:
    history: list[dict[str, Any]] = [
        {"period_label": "2017-01", "measure_id": "bookings", "attainment_to_date": Decimal("0.5")},
        {"period_label": "2017-02", "measure_id": "bookings", "attainment_to_date": Decimal("1.0")},
        {"period_label": "2017-03", "measure_id": "bookings", "attainment_to_date": None},
    ]
    svg = attainment_bars(history)
    heights = [float(h) for h in re.findall(r'<rect [^>]*height="([0-9.]+)"', svg)]
    assert svg.startswith("<svg") and svg.count("<rect") == 2
    assert heights[1] == pytest.approx(2 * heights[0])
    assert attainment_bars([]) == ""
