"""Credit-to-transaction joins in slices of transactions give the same rows as one join."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from attain.engine import calculate, load_folder
from attain.engine.executors.duckdb import DuckDBExecutor
from attain.engine.filemode import load_plan
from attain.engine.views import txn_slices
from tests.engine.test_end_to_end import FILES, PLAN_YAML

KEYS = {
    "credits": ["credit_id"],
    "earnings": ["earning_id"],
    "measures": ["payee_id", "measure_id", "period_label"],
    "component_totals": ["payee_id", "period_label", "component_id"],
}


def _run(tmp_path: Path) -> dict[str, pa.Table]:
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    for name, text in FILES.items():
        (data / name).write_text(text)
    (tmp_path / "plan.yaml").write_text(PLAN_YAML)
    result = calculate(load_folder(data), [load_plan(tmp_path / "plan.yaml")], ["2025-Q1", "2025-Q2"])
    return {n: getattr(result, n).sort_by([(k, "ascending") for k in keys]) for n, keys in KEYS.items()}


def test_one_transaction_per_slice_gives_the_rows_of_one_join(tmp_path, monkeypatch):
    whole = _run(tmp_path)
    monkeypatch.setattr(DuckDBExecutor, "join_slice_rows", 1)
    sliced = _run(tmp_path)
    for name in KEYS:
        assert sliced[name].num_rows > 0 and sliced[name].equals(whole[name]), name


@pytest.mark.parametrize(("last", "per_slice", "expected"), [
    (0, 700_000, [None]),
    (700_000, 700_000, [None]),
    (700_001, 700_000, [(1, 350_001), (350_002, 700_002)]),
    (5, 2, [(1, 2), (3, 4), (5, 6)]),
])
def test_slices_cover_every_transaction_once(last, per_slice, expected):
    ex = DuckDBExecutor(threads=1)
    try:
        ex.create_table("txn_base", f"SELECT range + 1 AS txn_no FROM range({last})")
        ex.join_slice_rows = per_slice  # type: ignore[misc]
        assert txn_slices(ex) == expected
    finally:
        ex.close()
    class NoSlicing:
        pass
    assert txn_slices(NoSlicing()) == [None]  # type: ignore[arg-type]
