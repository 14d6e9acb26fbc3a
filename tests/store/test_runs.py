"""Engine outputs are written in bulk and read back exactly (no float anywhere)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa
import pytest
from sqlalchemy import func, select

from attain.core.errors import AttainError
from attain.engine.result import CalcResult
from attain.store.db import reading, transaction
from attain.store.repos import finish_run, read_run_outputs, start_run, write_run_outputs
from attain.store.tables import audit_log, calc_run, run_credit

D10 = pa.decimal128(38, 10)


def _dec(values: list[str | None], kind: pa.DataType = D10) -> pa.Array:
    return pa.array([None if v is None else Decimal(v) for v in values], kind)


def a_result() -> CalcResult:
    credits = pa.table({
        "credit_id": pa.array([1, 2], pa.int64()), "transaction_id": ["T1", "T2"],
        "payee_id": ["E1", "E1"], "rule_id": ["owner", "owner"], "rule_kind": ["owner", "owner"],
        "share": _dec(["1", "0.3333333333"], pa.decimal128(24, 10)),
        "level": pa.array([0, 0], pa.int32()),
        "credit": _dec(["1000.0000000000", "-33.3333333333"]),
        "date": pa.array([dt.date(2024, 1, 5), dt.date(2024, 1, 9)], pa.date32()),
        "period_label": ["2024-01", "2024-01"], "account_id": ["A1", "A2"],  # a transaction field: not stored
    })
    measures = pa.table({
        "payee_id": ["E1"], "measure_id": ["bookings"], "period_label": ["2024-01"],
        "period_start": pa.array([dt.date(2024, 1, 1)], pa.date32()),
        "period_end": pa.array([dt.date(2024, 1, 31)], pa.date32()),
        "value": _dec(["966.6666666667"]), "value_to_date": _dec(["966.6666666667"]),
        "quota": _dec(["10000"]), "quota_prorated": _dec(["10000"]),
        "attainment": _dec(["0.0966666667"], pa.decimal128(24, 10)),
        "attainment_to_date": _dec([None], pa.decimal128(24, 10)),
    })
    earnings = pa.table({
        "earning_id": pa.array([1], pa.int64()), "payee_id": ["E1"], "plan_id": ["ae"],
        "plan_version": pa.array([1], pa.int32()), "component_id": ["commission"],
        "component_kind": ["tiered"], "period_label": ["2024-01"], "credit_id": pa.array([1], pa.int64()),
        "transaction_id": ["T1"], "rule_id": ["owner"], "basis_before": _dec(["0"]),
        "basis_after": _dec(["1000"]), "tier_index": pa.array([0], pa.int32()),
        "tier_rate": _dec(["0.05"], pa.decimal128(24, 10)),
        "rate_or_factor": _dec([None], pa.decimal128(24, 10)),
        "amount": _dec(["50.1234567891"]), "explanation": ["1000 x 5%"],
    })
    totals = pa.table({
        "payee_id": ["E1"], "period_label": ["2024-01"], "component_id": ["commission"],
        "earned": _dec(["50.1234567891"]), "capped_amount": _dec(["0"]), "amount": _dec(["50.1234567891"]),
        "amount_rounded": _dec(["50.12"], pa.decimal128(18, 2)), "currency": ["USD"],
    })
    return CalcResult(credits=credits, measures=measures, earnings=earnings, component_totals=totals)


def test_outputs_round_trip_exactly(migrated_url: str) -> None:
    result = a_result()
    with transaction(migrated_url, actor="fin") as conn:
        run_id = start_run(conn, periods=["2024-01"], actor="fin", options={"currency": "USD"})
        written = write_run_outputs(conn, run_id, result, actor="fin")
        finish_run(conn, run_id, actor="fin")
    with reading(migrated_url) as conn:
        stored = read_run_outputs(conn, run_id)
        status = conn.execute(select(calc_run.c.status).where(calc_run.c.id == run_id)).scalar_one()
    assert written == {"credits": 2, "measures": 1, "earnings": 1, "component_totals": 1}
    assert status == "succeeded"
    for name in written:
        original = getattr(result, name)
        back = stored[name]
        for column in back.column_names:
            assert back.column(column).to_pylist() == original.column(column).to_pylist(), (name, column)
    assert stored["credits"].column("credit").to_pylist()[1] == Decimal("-33.3333333333")
    assert "account_id" not in stored["credits"].column_names


def test_outputs_of_two_runs_stay_apart_and_are_audited_once_per_run(migrated_url: str) -> None:
    with transaction(migrated_url) as conn:
        first = start_run(conn, periods=["2024-01"], actor="fin")
        second = start_run(conn, periods=["2024-01"], actor="fin")
        write_run_outputs(conn, first, a_result())
        write_run_outputs(conn, second, a_result())
        counted = select(run_credit.c.run_id, func.count()).group_by(run_credit.c.run_id)
        per_run: dict[int, int] = {r: n for r, n in conn.execute(counted).all()}
        audits = conn.execute(select(func.count()).select_from(audit_log)
                              .where(audit_log.c.action == "write_outputs")).scalar()
    assert per_run == {first: 2, second: 2} and audits == 2


def test_a_missing_required_output_column_or_run_is_refused(migrated_url: str) -> None:
    result = a_result()
    broken = CalcResult(credits=result.credits.drop_columns(["credit"]), measures=result.measures,
                        earnings=result.earnings, component_totals=result.component_totals)
    with transaction(migrated_url) as conn:
        run_id = start_run(conn, periods=["2024-01"], actor="fin")
        with pytest.raises(AttainError) as missing:
            write_run_outputs(conn, run_id, broken)
        with pytest.raises(AttainError) as unknown:
            write_run_outputs(conn, run_id + 99, result)
    assert (missing.value.code, unknown.value.code) == ("DB005", "DB006")
