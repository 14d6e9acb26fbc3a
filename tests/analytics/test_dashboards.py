"""Dashboards on a company small enough to check by hand, and their CSV/XLSX exports.

Mia manages Ann, Bob and Cy. Quotas 2017-Q1: Ann 100, Bob 200, Cy 100.
d1 Ann won 60 on 2017-01-10     d2 Ann won 60 on 2017-02-20     d3 Bob won 50 on 2017-01-15
d4 Bob lost on 2017-02-01       d5 Cy open since 2017-02-01 (list price 40)
Ann's activities in January: 4 calls, 2 meetings held, 1 quote.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal

import pyarrow as pa
import pytest

from attain.analytics import dashboards
from attain.analytics.compute import parse_period
from attain.analytics.export import panel_csv, sheet_title, workbook
from attain.analytics.views import connect, scoped

MONEY = pa.decimal128(18, 2)
D = date.fromisoformat
Q1 = parse_period("2017-Q1")


@pytest.fixture(scope="module")
def tables() -> dict[str, pa.Table]:
    deals = [
        ("d1", "ann", "won", "60", "2017-01-02", "2017-01-10"),
        ("d2", "ann", "won", "60", "2017-01-20", "2017-02-20"),
        ("d3", "bob", "won", "50", "2017-01-05", "2017-01-15"),
        ("d4", "bob", "lost", "0", "2017-01-05", "2017-02-01"),
        ("d5", "cy", "open", None, "2017-02-01", None),
    ]
    ids, owners, statuses, amounts, engaged, closed = zip(*deals, strict=True)
    kinds = ["call"] * 4 + ["meeting_held"] * 2 + ["quote_sent"]
    return {
        "opportunity": pa.table(
            {
                "opportunity_id": ids,
                "owner_id": owners,
                "status": statuses,
                "product_id": ["P"] * 5,
                "account_id": ["A"] * 5,
                "stage": ["Won", "Won", "Won", "Lost", "Engaging"],
                "amount": pa.array([Decimal(a) if a else None for a in amounts], MONEY),
                "engage_date": pa.array([D(e) for e in engaged], pa.date32()),
                "close_date": pa.array([D(c) if c else None for c in closed], pa.date32()),
            }
        ),
        "activity": pa.table(
            {
                "activity_id": [f"a{n}" for n in range(len(kinds))],
                "payee_id": ["ann"] * len(kinds),
                "kind": kinds,
                "occurred_at": pa.array(
                    [datetime(2017, 1, 3 + n, 9) for n in range(len(kinds))], pa.timestamp("us")
                ),
            }
        ),
        "quota": pa.table(
            {
                "assignee_kind": ["payee"] * 3,
                "assignee_id": ["ann", "bob", "cy"],
                "measure": ["bookings"] * 3,
                "period_start": pa.array([D("2017-01-01")] * 3, pa.date32()),
                "period_end": pa.array([D("2017-03-31")] * 3, pa.date32()),
                "amount": pa.array([Decimal(100), Decimal(200), Decimal(100)], MONEY),
                "version": [1, 1, 1],
            }
        ),
        "payee": pa.table(
            {"payee_id": ["ann", "bob", "cy", "mia"], "name": ["Ann A", "Bob B", "Cy C", "Mia M"]}
        ),
        "reporting_line": pa.table(
            {
                "payee_id": ["ann", "bob", "cy"],
                "manager_id": ["mia"] * 3,
                "valid_from": pa.array([D("2016-01-01")] * 3, pa.date32()),
            }
        ),
        "product": pa.table({"product_id": ["P"], "list_price": pa.array([Decimal(40)], MONEY)}),
        "account": pa.table({"account_id": ["A"], "sector": ["retail"]}),
    }


def test_data_date_is_the_newest_close(tables: dict[str, pa.Table]) -> None:
    con = connect(tables)
    assert dashboards.data_as_of(con, date(2026, 1, 1)) == date(2017, 2, 20)
    assert dashboards.data_as_of(con, date(2017, 2, 10)) == date(2017, 2, 1)


def test_executive_trend_and_attainment_bands(tables: dict[str, pa.Table]) -> None:
    board = dashboards.executive(connect(tables), Q1, date(2017, 2, 15))
    trend = {r["month"]: r for r in board.panel("revenue_trend").rows}
    assert len(trend) == 12 and trend["2016-04"]["revenue"] == 0
    assert (trend["2017-01"]["revenue"], trend["2017-01"]["won_deals"]) == (Decimal(110), 2)
    assert trend["2017-02"]["win_rate"] == Decimal("0.5")  # d2 won, d4 lost
    bands = {r["band"]: r for r in board.panel("attainment_distribution").rows}
    assert bands["120% and more"]["sellers"] == 1  # Ann 120 of 100: exactly 120% is in the top band
    assert bands["below 50%"]["sellers"] == 2  # Bob 25%, Cy 0%
    assert bands["below 50%"]["share"] == Decimal("0.6666666667")
    headline = {r["metric"]: r for r in board.panel("headline").rows}
    assert headline["revenue"]["value"] == Decimal(170)
    assert headline["quota_attainment"]["value"] == Decimal("0.425")  # 170 / 400


def test_forecast_panel_sums_reps_and_their_commission(tables: dict[str, pa.Table]) -> None:
    board = dashboards.executive(
        connect(tables), Q1, date(2017, 2, 15), {"ann": Decimal("10.50"), "bob": Decimal(5)}
    )
    (team,) = board.panel("forecast_by_team").rows
    assert (team["who"], team["name"], team["quota"]) == ("mia", "Mia M", Decimal(400))
    assert team["won"] == Decimal(110)  # won up to the cut-off: d1 + d3 (d2 closes after it)
    assert team["commission"] == Decimal("15.50")
    assert team["forecast"] == team["won"] + team["pipeline"]
    assert team["commit"] == Decimal(170)  # no forecast categories: commit = won in the period


def test_manager_sees_only_the_cursor_scope(tables: dict[str, pa.Table]) -> None:
    board = dashboards.manager(scoped(connect(tables), ["ann", "bob"]), Q1, date(2017, 3, 31))
    leaders = board.panel("leaderboard").rows
    assert [(r["rank"], r["name"], r["revenue"]) for r in leaders] == [
        (1, "Ann A", Decimal(120)),
        (2, "Bob B", Decimal(50)),
    ]
    funnel = {r["step"]: r for r in board.panel("funnel").rows}
    assert [
        funnel[s]["count"] for s in ("Calls", "Appointments held", "Quotes sent", "Orders (won deals)")
    ] == [4, 2, 1, 3]
    assert funnel["Quotes sent"]["conversion"] == Decimal("0.5")
    assert board.panel("forecast_by_rep").notes == [
        "Expected commission not calculated (no published plans)."
    ]


def test_rep_pace(tables: dict[str, pa.Table]) -> None:
    board = dashboards.rep(scoped(connect(tables), ["ann"]), Q1, date(2017, 2, 15))
    pace = board.panel("pace")
    assert len(pace.rows) == 46 and pace.rows[-1]["won_to_date"] == Decimal(60)
    assert pace.rows[-1]["quota_to_date"] == Decimal("51.11")  # 100 × 46 / 90
    assert pace.notes == ["60.0% of quota after 46 of 90 days: on pace for 117.4% (60.00 of 100.00)."]


def test_csv_keeps_exact_values(tables: dict[str, pa.Table]) -> None:
    board = dashboards.executive(connect(tables), Q1, date(2017, 3, 31))
    text = panel_csv(board.panel("attainment_distribution"))
    assert text.splitlines()[:2] == ["Attainment,Sellers,Share of sellers", "below 50%,2,0.6666666667"]
    assert "120% and more,1,0.3333333333" in text


def test_xlsx_stores_the_exact_decimal_text(tables: dict[str, pa.Table]) -> None:
    board = dashboards.executive(connect(tables), Q1, date(2017, 3, 31))
    book = zipfile.ZipFile(io.BytesIO(workbook(board.panels, "Acme")))
    sheets = [n for n in book.namelist() if n.startswith("xl/worksheets/sheet")]
    assert len(sheets) == len(board.panels)
    xml = "".join(book.read(n).decode() for n in sheets)
    assert "<v>0.6666666667</v>" in xml and "<v>0.4250000000</v>" in xml  # the exact Decimal text
    assert not re.search(r"<v>0\.66666666666", xml)  # never a float's 16 digits
    assert '<c r="C3" s="1" t="n"><v>0.6666666667</v></c>' in xml or re.search(
        r'<c r="C3"[^>]* t="n"><v>0\.6666666667</v>', xml
    )  # still a number, not text


def test_xlsx_keeps_digits_a_float_would_lose() -> None:
    from attain.analytics.panels import Column, Panel

    wide = Decimal("12345678901234567.8912345678")
    data = workbook([Panel("p", "Big", (Column("x", "X", "USD"),), [{"x": wide}])])
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<v>12345678901234567.8912345678</v>" in xml


def test_sheet_titles_are_valid_and_unique() -> None:
    used: set[str] = set()
    first = sheet_title("Forecast vs quota per team, 2017-Q1 as of 2017-02-15 [draft]", used)
    second = sheet_title("Forecast vs quota per team, 2017-Q1 as of 2017-02-15 [draft]", used)
    assert len(first) <= 31 and len(second) <= 31 and first != second and "[" not in first
