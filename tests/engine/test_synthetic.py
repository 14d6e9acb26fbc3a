"""The synthetic company: the entity layout, realistic shapes, the same files for the same seed."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

from attain.engine import load_folder
from attain.services.synthetic import generate_company


def _digest(folder: Path) -> str:
    return hashlib.sha256(
        b"".join(pq.read_table(p).to_string().encode() for p in sorted(folder.glob("*.parquet")))
    ).hexdigest()


def test_a_small_company_has_the_documented_shape(tmp_path):
    folder = generate_company(tmp_path / "a", payees=300, transactions=20_000, seed=3, year=2024)
    inputs = load_folder(folder)  # typed by the entity specs without a problem
    deals = inputs["transaction"]
    assert deals.num_rows == 20_000 and inputs["payee"].num_rows == 300
    cancels = pc.sum(pc.equal(deals.column("kind"), "cancellation")).as_py()
    assert 100 <= cancels <= 300  # about 1%
    split_deals = pc.count_distinct(inputs["opportunity_split"].column("opportunity_id")).as_py()
    assert 1_500 <= split_deals <= 2_500  # about 10%
    totals = inputs["opportunity_split"].group_by("opportunity_id").aggregate([("percent", "sum")])
    assert set(totals.column("percent_sum").to_pylist()) == {100}
    originals = set(
        deals.filter(pc.equal(deals.column("kind"), "cancellation")).column("reverses_id").to_pylist()
    )
    bookings = set(
        deals.filter(pc.equal(deals.column("kind"), "booking")).column("transaction_id").to_pylist()
    )
    assert originals <= bookings
    managers = inputs["reporting_line"]
    chain = dict(
        zip(managers.column("payee_id").to_pylist(), managers.column("manager_id").to_pylist(), strict=True)
    )
    assert chain[chain[chain["P000001"]]] not in chain  # rep -> manager -> director -> VP (top)
    assert inputs["quota"].num_rows == 4 * (300 - 30 - 3 - 1)


def test_the_same_seed_gives_the_same_company(tmp_path):
    one = generate_company(tmp_path / "one", payees=50, transactions=2_000, seed=11)
    two = generate_company(tmp_path / "two", payees=50, transactions=2_000, seed=11)
    assert _digest(one) == _digest(two)
