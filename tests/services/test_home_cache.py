"""The rep home reads a stored run once: a second look is served from memory, a new run shows at once,
and what depends on the day (pace) or on live data (disputes, scope) is never kept."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest
from sqlalchemy import event

from attain.services import access, home
from attain.services import disputes as disputes_service
from attain.services.runs import run_payouts
from attain.store.bulk import upsert
from attain.store.db import get_engine, reading, transaction
from attain.store.tables import payout
from tests.web.paid_company import seed_paid_company

RAY = access.Principal(4, "ray", "rep", "RAY")
MID_QUARTER = dt.date(2024, 2, 15)


@pytest.fixture
def paid_url(migrated_url: str) -> str:
    seed_paid_company(migrated_url)
    home.RUN_VIEWS.clear()
    return migrated_url


def statements_seen(url: str) -> list[str]:
    """Every SQL statement the next block sends (to see what is read from the store)."""
    seen: list[str] = []

    def listen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(get_engine(url), "before_cursor_execute", listen)
    return seen


def test_a_second_look_reads_no_run_table_again(paid_url: str) -> None:
    with reading(paid_url) as conn:
        first = home.rep_home(conn, RAY, "RAY", MID_QUARTER)
    seen = statements_seen(paid_url)
    with reading(paid_url) as conn:
        again = home.rep_home(conn, RAY, "RAY", MID_QUARTER)
    assert again == first and first["earnings"]["period"] == {"USD": Decimal("270.01")}
    run_tables = ("run_earning", "run_measure", "payout_balance", "plan_version")
    assert not [s for s in seen if any(f"FROM {t}" in s for t in run_tables)], seen
    assert any("FROM dispute" in s for s in seen)  # live data: read every time


def test_the_pace_follows_the_day_even_from_memory(paid_url: str) -> None:
    with reading(paid_url) as conn:
        early = home.rep_home(conn, RAY, "RAY", dt.date(2024, 1, 10))["measures"][0]
        later = home.rep_home(conn, RAY, "RAY", MID_QUARTER)["measures"][0]
    assert early["attainment"] == later["attainment"]
    assert early["pace"] == early["attainment"] / (Decimal(10) / Decimal(91))
    assert later["pace"] == later["attainment"] / (Decimal(46) / Decimal(91))


def test_a_new_run_is_shown_at_once(paid_url: str) -> None:
    with reading(paid_url) as conn:
        before = home.rep_home(conn, RAY, "RAY", MID_QUARTER)
    deal = pa.table({"transaction_id": ["T-RAY-NEW"], "kind": ["booking"],
                     "date": pa.array([dt.date(2024, 3, 30)], pa.date32()),
                     "amount": pa.array([Decimal("1000.00")], pa.decimal128(18, 2)),
                     "currency": ["USD"], "owner_id": ["RAY"]})
    with transaction(paid_url, actor="test") as conn:
        upsert(conn, "transaction", deal, batch_id=None, actor="test")
    outcome = run_payouts(paid_url, periods=["2024-Q1"], actor="admin")
    with reading(paid_url) as conn:
        after = home.rep_home(conn, RAY, "RAY", MID_QUARTER)
    assert after["run_id"] == outcome.run_id != before["run_id"]
    assert after["deals"][0]["transaction_id"] == "T-RAY-NEW"
    assert after["earnings"]["period"]["USD"] == Decimal("270.01") + Decimal("30.00")  # 1,000 at 3%


def test_open_disputes_are_never_kept(paid_url: str) -> None:
    with reading(paid_url) as conn:
        assert home.rep_home(conn, RAY, "RAY", MID_QUARTER)["disputes"] == []
        line = conn.execute(payout.select().where(payout.c.payee_id == "RAY")).first()
    assert line is not None
    disputes_service.raise_own(paid_url, RAY, line.id, "why?")
    with reading(paid_url) as conn:
        disputes = home.rep_home(conn, RAY, "RAY", MID_QUARTER)["disputes"]
    assert [d["message"] for d in disputes] == ["why?"]


def test_scope_is_checked_before_anything_kept_is_shown(paid_url: str) -> None:
    rita = access.Principal(9, "rita", "rep", "RITA")
    with reading(paid_url) as conn:
        home.rep_home(conn, RAY, "RAY", MID_QUARTER)
        with pytest.raises(Exception) as refused:
            home.rep_home(conn, rita, "RAY", MID_QUARTER)
        assert home.statement_periods(conn, RAY, "RAY", MID_QUARTER) == ["2024-Q1"]
        with pytest.raises(Exception) as refused_periods:
            home.statement_periods(conn, rita, "RAY", MID_QUARTER)
    assert getattr(refused.value, "code", None) == access.NOT_FOUND
    assert getattr(refused_periods.value, "code", None) == access.NOT_FOUND


def test_statement_periods_are_kept_per_run_and_a_new_run_reads_them_again(paid_url: str) -> None:
    with reading(paid_url) as conn:
        assert home.statement_periods(conn, RAY, "RAY", MID_QUARTER) == ["2024-Q1"]
    seen = statements_seen(paid_url)
    with reading(paid_url) as conn:
        assert home.statement_periods(conn, RAY, "RAY", MID_QUARTER) == ["2024-Q1"]
    paid_periods = [s for s in seen if "DISTINCT payout.period_label" in s]
    assert not paid_periods and any("FROM calc_run" in s for s in seen), seen  # the run is checked
    outcome = run_payouts(paid_url, periods=["2024-Q1"], actor="admin")
    with reading(paid_url) as conn:
        assert home.statement_periods(conn, RAY, "RAY", MID_QUARTER) == ["2024-Q1"]
        assert home.newest_run(conn, "RAY") == outcome.run_id
    assert len([s for s in seen if "DISTINCT payout.period_label" in s]) == 1  # read again, once


def test_kept_statement_periods_are_not_shown_to_someone_else(paid_url: str) -> None:
    rita = access.Principal(9, "rita", "rep", "RITA")
    with reading(paid_url) as conn:
        assert home.statement_periods(conn, RAY, "RAY", MID_QUARTER) == ["2024-Q1"]
        with pytest.raises(Exception) as refused:
            home.statement_periods(conn, rita, "RAY", MID_QUARTER)
        mine = home.statement_periods(conn, rita, "RITA", MID_QUARTER)
    assert getattr(refused.value, "code", None) == access.NOT_FOUND
    assert mine == ["2024-Q1"]  # her own, read for her (the key holds the payee)


def test_run_views_keep_the_most_recently_used() -> None:
    views = home.RunViews(2)
    computed: list[str] = []

    def value(key: str) -> str:
        computed.append(key)
        return key.upper()

    got = [views.get(key, lambda key=key: value(key)) for key in ("a", "b", "a", "c", "a", "b")]  # type: ignore[misc]
    assert got == list("ABACAB")
    assert computed == ["a", "b", "c", "b"]  # "b" was the least recently used when "c" came in
