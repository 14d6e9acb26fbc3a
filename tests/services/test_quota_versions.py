"""Quota versions: draft -> approved -> published with four eyes, diffs, and the engine reading them.

The worked example: AE quotas for 2025 are set per quarter (ann 10,000, bob 8,000). In May ann's Q3
and Q4 quota is raised to 12,000 by a second version effective 2025-07-01. Q2 keeps 10,000 (the
first version), Q3 shows 12,000: the engine takes the highest quota version of each period.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest
from sqlalchemy import insert, select

from attain.core.errors import AttainError
from attain.engine import calculate
from attain.plans.load import load_plan_text
from attain.services import quota_versions as qv
from attain.services.access import COMMAND_LINE, Principal
from attain.services.calc import load_store_inputs
from attain.store.bulk import upsert
from attain.store.db import reading, transaction
from attain.store.tables import ENTITY_TABLES, audit_log, period_status

OPERATOR = COMMAND_LINE
FIN = Principal(2, "fin", "finance")
QUARTERS = [("2025-01-01", "2025-03-31"), ("2025-04-01", "2025-06-30"), ("2025-07-01", "2025-09-30"),
            ("2025-10-01", "2025-12-31")]


def _as(username: str, role: str) -> Principal:
    """A user of the app acting in ``role`` (the services check the role themselves)."""
    return Principal(0, username, role)


def _file(tmp_path: Path, name: str, amounts: dict[str, str], quarters: list[tuple[str, str]]) -> Path:
    lines = ["assignee_id,measure,period_start,period_end,amount"]
    lines += [f"{rep},bookings,{start},{end},{amount}"
              for rep, amount in amounts.items() for start, end in quarters]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def _published_v1(url: str, tmp_path: Path) -> qv.QuotaVersion:
    v1 = qv.create_version(url, _as("ada", "admin"), "AE 2025", dt.date(2025, 1, 1),
                           source=_file(tmp_path, "q.csv", {"ann": "10000", "bob": "8000"}, QUARTERS))
    qv.approve(url, _as("fin", "finance"), v1.id, comment="matches the board target")
    return qv.publish(url, _as("fin", "finance"), v1.id)


def test_a_version_goes_draft_approved_published_with_who_and_when(migrated_url: str, tmp_path: Path) -> None:
    v1 = qv.create_version(migrated_url, _as("ada", "admin"), "AE 2025", dt.date(2025, 1, 1),
                           source=_file(tmp_path, "q.csv", {"ann": "10000", "bob": "8000"}, QUARTERS))
    assert (v1.status, v1.number, v1.lines, v1.created_by) == ("draft", 1, 8, "ada")
    qv.add_comment(migrated_url, FIN, v1.id, "bob's Q4 looks light")
    approved = qv.approve(migrated_url, _as("fin", "finance"), v1.id, comment="ok")
    assert approved.status == "approved" and approved.approved_by == "fin" and approved.approved_at
    published = qv.publish(migrated_url, _as("boss", "admin"), v1.id)
    assert published.status == "published" and published.published_by == "boss"
    assert published.published_as == 1
    notes = qv.detail(migrated_url, OPERATOR, v1.id).notes
    assert [n.action for n in notes] == ["create", "comment", "approve", "publish"]
    assert notes[1].author == "fin" and notes[1].text == "bob's Q4 looks light"
    quota = ENTITY_TABLES["quota"]
    with reading(migrated_url) as conn:
        rows = conn.execute(select(quota.c.assignee_id, quota.c.amount, quota.c.version, quota.c.source_file)
                            .order_by(quota.c.assignee_id, quota.c.period_start)).all()
        actions = conn.execute(select(audit_log.c.action).where(audit_log.c.entity == "quota_version")
                               .order_by(audit_log.c.id)).scalars().all()
    assert len(rows) == 8 and rows[0] == ("ann", Decimal("10000.00"), 1, "quota version AE 2025 v1")
    assert actions == ["create", "comment", "approve", "publish"]


def test_the_author_cannot_approve_and_roles_are_checked(migrated_url: str, tmp_path: Path) -> None:
    source = _file(tmp_path, "q.csv", {"ann": "10000"}, QUARTERS[:1])
    with pytest.raises(AttainError) as denied:
        qv.create_version(migrated_url, _as("mo", "manager"), "AE", dt.date(2025, 1, 1), source=source)
    assert denied.value.code == "AUTH004"
    v1 = qv.create_version(migrated_url, _as("ada", "admin"), "AE", dt.date(2025, 1, 1), source=source)
    with pytest.raises(AttainError) as own:
        qv.approve(migrated_url, _as("ada", "admin"), v1.id)
    assert own.value.code == "PLNG010"
    with pytest.raises(AttainError) as rep:
        qv.approve(migrated_url, _as("ray", "rep"), v1.id)
    assert rep.value.code == "AUTH004"
    with pytest.raises(AttainError) as early:
        qv.publish(migrated_url, _as("fin", "finance"), v1.id)
    assert early.value.code == "PLNG011"  # a draft is not published before approval
    qv.approve(migrated_url, _as("ed", "admin"), v1.id)
    qv.send_back(migrated_url, _as("fin", "finance"), v1.id, comment="wrong target")
    assert qv.detail(migrated_url, OPERATOR, v1.id).version.status == "draft"


def test_a_published_version_is_immutable_and_a_change_is_new(migrated_url: str, tmp_path: Path) -> None:
    v1 = _published_v1(migrated_url, tmp_path)
    with pytest.raises(AttainError) as frozen:
        qv.replace_lines(migrated_url, _as("ada", "admin"), v1.id,
                         _file(tmp_path, "x.csv", {"ann": "1"}, QUARTERS))
    assert frozen.value.code == "PLNG011"
    v2 = qv.create_version(migrated_url, _as("ada", "admin"), "AE 2025", dt.date(2025, 7, 1),
                           based_on=v1.id)
    assert (v2.number, v2.lines) == (2, 4)  # Q3 and Q4 of both reps copied, Q1/Q2 stay with v1
    qv.replace_lines(migrated_url, _as("ada", "admin"), v2.id,
                     _file(tmp_path, "v2.csv", {"ann": "12000"}, QUARTERS[2:]))
    changes = qv.diff(migrated_url, OPERATOR, v1.id, v2.id)
    summary = [(c.key[1], c.key[3].isoformat(), c.change, c.delta) for c in changes]
    assert ("ann", "2025-07-01", "changed", Decimal("2000.00")) in summary
    assert ("ann", "2025-01-01", "removed", Decimal("-10000.00")) in summary
    assert qv.previous(migrated_url, OPERATOR, v2.id) == v1.id


def test_lines_before_the_effective_date_and_bad_cells_are_refused(migrated_url: str, tmp_path: Path) -> None:
    with pytest.raises(AttainError) as early:
        qv.create_version(migrated_url, _as("ada", "admin"), "AE", dt.date(2025, 4, 1),
                          source=_file(tmp_path, "q.csv", {"ann": "10000"}, QUARTERS[:2]))
    assert early.value.code == "PLNG012" and len(early.value.issues) == 1
    bad = tmp_path / "bad.csv"
    bad.write_text("assignee_id,measure,period_start,period_end,amount\nann,bookings,2025-01-01,2025-03-31,-5\n"
                   "bob,bookings,2025-13-01,2025-03-31,100\n")
    with pytest.raises(AttainError) as cells:
        qv.create_version(migrated_url, _as("ada", "admin"), "AE", dt.date(2025, 1, 1), source=bad)
    assert cells.value.code == "PLNG014"
    assert {i.source.line for i in cells.value.issues} == {2, 3}
    assert qv.list_versions(migrated_url, OPERATOR) == []  # nothing saved


def test_publishing_never_rewrites_a_closed_pay_period(migrated_url: str, tmp_path: Path) -> None:
    with transaction(migrated_url) as conn:
        conn.execute(insert(period_status).values(period_label="2025-Q1", status="approved"))
    v1 = qv.create_version(migrated_url, _as("ada", "admin"), "AE", dt.date(2025, 1, 1),
                           source=_file(tmp_path, "q.csv", {"ann": "10000"}, QUARTERS))
    qv.approve(migrated_url, _as("fin", "finance"), v1.id)
    with pytest.raises(AttainError) as closed:
        qv.publish(migrated_url, _as("fin", "finance"), v1.id)
    assert closed.value.code == "PLNG013" and "2025-Q1" in closed.value.issues[0].message
    assert qv.detail(migrated_url, OPERATOR, v1.id).version.status == "approved"
    with reading(migrated_url) as conn:
        assert conn.execute(select(ENTITY_TABLES["quota"].c.id)).first() is None


PLAN = """plan: ae
version: 1
effective_from: 2025-01-01
pay_period: quarter
credit_rules:
  - {id: own, kind: owner}
measures:
  - {id: bookings}
components:
  - id: commission
    kind: tiered
    measure: bookings
    basis: attainment
    tiers:
      - {from: 0, rate: 1%}
"""


def test_the_engine_reads_the_published_quotas_by_period(migrated_url: str, tmp_path: Path) -> None:
    _published_v1(migrated_url, tmp_path)
    v2 = qv.create_version(migrated_url, _as("ada", "admin"), "AE 2025", dt.date(2025, 7, 1),
                           source=_file(tmp_path, "v2.csv", {"ann": "12000"}, QUARTERS[2:]))
    qv.approve(migrated_url, _as("fin", "finance"), v2.id)
    assert qv.publish(migrated_url, _as("fin", "finance"), v2.id).published_as == 2
    day = pa.date32()
    with transaction(migrated_url) as conn:
        upsert(conn, "payee", pa.table({"payee_id": ["ann"], "name": ["Ann"]}), batch_id=None, actor="t")
        upsert(conn, "plan_assignment", pa.table({"payee_id": ["ann"], "plan_id": ["ae"],
                                                  "valid_from": pa.array([dt.date(2025, 1, 1)], day)}),
               batch_id=None, actor="t")
        upsert(conn, "transaction", pa.table({
            "transaction_id": ["T1", "T2"], "owner_id": ["ann", "ann"],
            "date": pa.array([dt.date(2025, 5, 1), dt.date(2025, 8, 1)], day),
            "amount": pa.array([Decimal("5000.00"), Decimal("6000.00")], pa.decimal128(18, 2))}),
            batch_id=None, actor="t")
    plan = load_plan_text(PLAN).document
    assert plan is not None
    result = calculate(load_store_inputs(migrated_url), [plan], ["2025-Q2", "2025-Q3"])
    measures = {r["period_label"]: (r["quota"], r["attainment"]) for r in result.measures.to_pylist()
                if r["payee_id"] == "ann"}
    assert measures["2025-Q2"] == (Decimal("10000"), Decimal("0.5"))
    assert measures["2025-Q3"] == (Decimal("12000"), Decimal("0.5"))


def test_expected_attainment_of_a_version_from_the_store_history(migrated_url: str, tmp_path: Path) -> None:
    """2025 quarters of 10,000 against 2024's quarters: ann sold 10,000 a quarter, bob 2,500 (one
    cancellation of 1,000 in Q4 included), cy nothing at all (four zero quarters, not "no history").
    The team median is bob's 25%: ann's 100% is 300% above it (high), cy's 0% 100% below (low)."""
    day, money = pa.date32(), pa.decimal128(18, 2)
    deals = [("a1", "ann", "2024-02-01", "10000.00", "booking"),
             ("a2", "ann", "2024-05-01", "10000.00", "booking"),
             ("a3", "ann", "2024-08-01", "10000.00", "booking"),
             ("a4", "ann", "2024-11-01", "10000.00", "order"),
             ("b1", "bob", "2024-01-15", "2500.00", "booking"),
             ("b2", "bob", "2024-04-15", "2500.00", "booking"),
             ("b3", "bob", "2024-07-15", "2500.00", "booking"),
             ("b4", "bob", "2024-10-15", "3500.00", "booking"),
             ("b5", "bob", "2024-12-15", "1000.00", "cancellation"),
             ("old", "ann", "2023-12-31", "99999.00", "booking")]
    with transaction(migrated_url) as conn:
        upsert(conn, "payee", pa.table({"payee_id": ["ann", "bob", "cy"], "name": ["Ann", "Bob", "Cy"]}),
               batch_id=None, actor="t")
        upsert(conn, "transaction", pa.table({
            "transaction_id": [d[0] for d in deals], "owner_id": [d[1] for d in deals],
            "date": pa.array([dt.date.fromisoformat(d[2]) for d in deals], day),
            "amount": pa.array([Decimal(d[3]) for d in deals], money), "kind": [d[4] for d in deals]}),
            batch_id=None, actor="t")
    v1 = qv.create_version(migrated_url, _as("ada", "admin"), "AE 2025", dt.date(2025, 1, 1),
                           source=_file(tmp_path, "q.csv", {"ann": "10000", "bob": "10000", "cy": "10000"},
                                        QUARTERS))
    outlook = qv.attainment_outlook(migrated_url, OPERATOR, v1.id, tolerance=Decimal("0.25"))
    assert (outlook.history_from, outlook.history_to, outlook.periods, outlook.period_months) == (
        dt.date(2024, 1, 1), dt.date(2024, 12, 31), 4, 3)
    by_rep = {r.rep: r for r in outlook.team.reps}
    ann, bob = by_rep["ann"], by_rep["bob"]
    assert (ann.median, ann.at_quota, ann.vs_team, ann.flag) == (
        Decimal("1"), Decimal("1"), Decimal("3"), "high")
    assert (bob.median, bob.p90, bob.flag) == (Decimal("0.25"), Decimal("0.25"), "")
    assert (by_rep["cy"].median, by_rep["cy"].periods, by_rep["cy"].flag) == (Decimal("0"), 4, "low")
    assert outlook.team.median == Decimal("0.25") and outlook.team.expected_at_quota == 1


RUN_PLAN = """plan: ae
version: 1
effective_from: 2024-01-01
pay_period: quarter
credit_rules:
  - {id: own, kind: owner}
measures:
  - {id: own_bookings, quota: bookings}
components:
  - {id: commission, kind: rate, rate: "1%", measure: own_bookings}
"""


def test_expected_attainment_reads_calculated_measures_when_runs_cover_the_history(
    migrated_url: str, tmp_path: Path
) -> None:
    """Once 2024 is calculated, history is the runs' credited measure, not the deals in the store now:
    a deal loaded after the runs does not count until a run picks it up. The plan's measure
    ``own_bookings`` is read against the ``bookings`` quota, so it is the history of that quota."""
    from attain.services.calc import calculate_in_store, published_plans
    from attain.services.plans import publish_file

    day, money = pa.date32(), pa.decimal128(18, 2)
    with transaction(migrated_url) as conn:
        upsert(conn, "payee", pa.table({"payee_id": ["ann"], "name": ["Ann"]}), batch_id=None, actor="t")
        upsert(conn, "plan_assignment", pa.table({"payee_id": ["ann"], "plan_id": ["ae"],
                                                  "valid_from": pa.array([dt.date(2024, 1, 1)], day)}),
               batch_id=None, actor="t")
        upsert(conn, "transaction", pa.table({
            "transaction_id": [f"a{q}" for q in range(4)], "owner_id": ["ann"] * 4,
            "date": pa.array([dt.date(2024, 3 * q + 2, 1) for q in range(4)], day),
            "amount": pa.array([Decimal("5000.00")] * 4, money)}), batch_id=None, actor="t")
    (tmp_path / "ae.yaml").write_text(RUN_PLAN)
    publish_file(migrated_url, tmp_path / "ae.yaml", "ada")
    year = ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"]
    calculate_in_store(migrated_url, published_plans(migrated_url), year)
    with transaction(migrated_url) as conn:
        upsert(conn, "transaction", pa.table({
            "transaction_id": ["late"], "owner_id": ["ann"], "date": pa.array([dt.date(2024, 5, 1)], day),
            "amount": pa.array([Decimal("5000.00")], money)}), batch_id=None, actor="t")
    v1 = qv.create_version(migrated_url, _as("ada", "admin"), "AE 2025", dt.date(2025, 1, 1),
                           source=_file(tmp_path, "q.csv", {"ann": "10000"}, QUARTERS))
    outlook = qv.attainment_outlook(migrated_url, OPERATOR, v1.id)
    assert outlook.source == "calculated measure"
    ann = outlook.team.reps[0]
    assert (ann.p10, ann.median, ann.p90) == (Decimal("0.5"), Decimal("0.5"), Decimal("0.5"))
    owned = qv.attainment_outlook(migrated_url, OPERATOR, v1.id, history_from=dt.date(2023, 1, 1),
                                  history_to=dt.date(2024, 12, 31))
    assert owned.source == "owned deals"  # 2023 was never calculated: deals as they stand
    assert owned.team.reps[0].p90 == Decimal("1")  # Q2 2024 with the late deal: 10,000


def test_the_default_history_starts_with_the_first_sales(migrated_url: str, tmp_path: Path) -> None:
    """Deals start in May 2024: of the year before 2025, Q1 (no data) and Q2 (April missing) are left
    out; Q3 (10,000 sold) and Q4 (nothing) remain."""
    day = pa.date32()
    with transaction(migrated_url) as conn:
        upsert(conn, "transaction", pa.table({
            "transaction_id": ["t1", "t2"], "owner_id": ["ann", "ann"],
            "date": pa.array([dt.date(2024, 5, 2), dt.date(2024, 8, 1)], day),
            "amount": pa.array([Decimal("10000.00")] * 2, pa.decimal128(18, 2))}), batch_id=None, actor="t")
    v1 = qv.create_version(migrated_url, _as("ada", "admin"), "AE", dt.date(2025, 1, 1),
                           source=_file(tmp_path, "q.csv", {"ann": "10000"}, QUARTERS[:1]))
    outlook = qv.attainment_outlook(migrated_url, OPERATOR, v1.id)
    assert (outlook.history_from, outlook.periods) == (dt.date(2024, 7, 1), 2)
    assert (outlook.team.reps[0].p10, outlook.team.reps[0].p90) == (Decimal("0"), Decimal("1"))


def test_two_publishes_at_once_take_successive_quota_versions(migrated_url: str, tmp_path: Path) -> None:
    """Two approved sets with the same payee and quarter published at the same moment: one waits for
    the other, so they are written as quota versions 1 and 2 (never two rows of one version)."""
    from concurrent.futures import ThreadPoolExecutor

    ids = []
    for name in ("East", "West"):
        made = qv.create_version(migrated_url, _as("ada", "admin"), name, dt.date(2025, 1, 1),
                                 source=_file(tmp_path, f"{name}.csv", {"ann": "10000"}, QUARTERS[:1]))
        qv.approve(migrated_url, _as("fin", "finance"), made.id)
        ids.append(made.id)
    with ThreadPoolExecutor(2) as pool:
        done = list(pool.map(lambda i: qv.publish(migrated_url, _as("fin", "finance"), i), ids))
    assert sorted(v.published_as or 0 for v in done) == [1, 2]


def test_kuwaiti_quotas_and_history_keep_the_fils(migrated_url: str, tmp_path: Path) -> None:
    """Quotas of 10.005 KWD a quarter are saved and published to the fils, and the outlook reads 2024's
    deals in fils exactly: ann sold 5.005 KWD a quarter, so her median attainment is 5.005 / 10.005 =
    0.50025 -> 0.5002 (4 places, half-even), not 5.00 / 10.005 -> 0.4998 as a cut to cents would say.
    A quota of 10.0001 KWD (finer than a fils) and 10.005 USD (finer than a cent) are refused."""
    deals = [(f"k{n}", "ann", f"2024-{month:02d}-10", "5.005") for n, month in enumerate((1, 4, 7, 10))]
    with transaction(migrated_url) as conn:
        upsert(conn, "payee", pa.table({"payee_id": ["ann"], "name": ["Ann"], "currency": ["KWD"]}),
               batch_id=None, actor="t")
        upsert(conn, "transaction", pa.table({
            "transaction_id": [d[0] for d in deals], "owner_id": [d[1] for d in deals],
            "date": pa.array([dt.date.fromisoformat(d[2]) for d in deals], pa.date32()),
            "amount": pa.array([Decimal(d[3]) for d in deals], pa.decimal128(19, 3)),
            "currency": ["KWD"] * len(deals), "kind": ["booking"] * len(deals)}), batch_id=None, actor="t")
    rows = ["assignee_id,measure,period_start,period_end,amount,currency"]
    rows += [f"ann,bookings,{start},{end},10.005,KWD" for start, end in QUARTERS]
    source = tmp_path / "kwd.csv"
    source.write_text("\n".join(rows) + "\n")
    v1 = qv.create_version(migrated_url, _as("ada", "admin"), "Gulf 2025", dt.date(2025, 1, 1),
                           source=source)
    assert {q.amount for q in qv.detail(migrated_url, OPERATOR, v1.id).lines} == {Decimal("10.005")}
    outlook = qv.attainment_outlook(migrated_url, OPERATOR, v1.id)
    assert outlook.source == "owned deals" and outlook.periods == 4
    (ann,) = outlook.team.reps
    assert ann.median == Decimal("0.5002")
    qv.approve(migrated_url, _as("fin", "finance"), v1.id)
    assert qv.publish(migrated_url, _as("fin", "finance"), v1.id).status == "published"
    quota = ENTITY_TABLES["quota"]
    with reading(migrated_url) as conn:
        stored = conn.execute(select(quota.c.amount, quota.c.currency)).all()
    assert stored == [(Decimal("10.005"), "KWD")] * 4

    for amount, currency in (("10.0001", "KWD"), ("10.005", "USD")):
        bad = tmp_path / f"bad-{currency}.csv"
        bad.write_text(f"{rows[0]}\nann,bookings,2026-01-01,2026-03-31,{amount},{currency}\n")
        with pytest.raises(AttainError) as refused:
            qv.create_version(migrated_url, _as("ada", "admin"), f"Bad {currency}", dt.date(2026, 1, 1),
                              source=bad)
        assert [(i.code, i.source.line) for i in refused.value.issues] == [("IMP017", 2)]
