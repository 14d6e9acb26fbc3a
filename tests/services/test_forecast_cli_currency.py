"""`attain forecast --commission` says which open opportunities it left out of the expected commission,
and why, as the dashboards' forecast panel does (SQLite and PostgreSQL).

The two-currency company with opportunities of tests/services/test_metrics_currencies.py: Khalid K1's
open O5 is a 100.00 EUR product and no plan of his pays in EUR, so his 50.00 EUR of weighted pipeline
is priced through no plan. Before, the CLI printed the table (K1 EUR with a 0 commission) and no note.
"""

from __future__ import annotations

from datetime import date

from typer.testing import CliRunner

from attain.cli.main import app
from attain.services.calc import published_plans
from attain.services.forecast import forecast_report, forecast_with_notes, store_tables
from tests.services.test_metrics_currencies import deals_url  # noqa: F401 - the fixture

NOTE = ("Expected commission leaves out Khalid Kuwait's open opportunities in EUR (O5): no plan of theirs "
        "pays in EUR.")
ARGS = ["forecast", "--period", "2017-01", "--as-of", "2017-01-15", "--by", "payee"]


def test_the_cli_prints_the_left_out_note_after_the_table(deals_url: str) -> None:  # noqa: F811
    result = CliRunner().invoke(app, [*ARGS, "--commission", "--database-url", deals_url])
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())  # whatever the terminal's width
    assert "35.004" in output and "15.00" in output  # Khalid's KWD and Uma's USD commission
    assert NOTE in output
    assert output.index(NOTE) > output.index("35.004")  # after the table
    assert "ANA012" not in output


def test_no_note_without_commission(deals_url: str) -> None:  # noqa: F811
    result = CliRunner().invoke(app, [*ARGS, "--database-url", deals_url])
    assert result.exit_code == 0, result.output
    assert "leaves out" not in result.output


def test_the_service_gives_the_panels_notes_with_the_same_lines(deals_url: str) -> None:  # noqa: F811
    tables, plans = store_tables(deals_url), published_plans(deals_url)
    lines, notes = forecast_with_notes(tables, "2017-01", date(2017, 1, 15), plans, "payee")
    assert notes == [NOTE]
    assert lines == forecast_report(tables, "2017-01", date(2017, 1, 15), plans, "payee")
    assert forecast_with_notes(tables, "2017-01", date(2017, 1, 15), None, "payee")[1] == []
