"""A synthetic sales company in the entity layout (Parquet), big enough to benchmark the engine.

``generate_company(out_dir, payees=10_000, transactions=5_000_000, seed=7, year=2025)`` writes
payee, reporting_line (reps -> managers -> directors -> VPs: three levels of managers), product
(with families), account, territory, territory_assignment, account_territory, transaction
(bookings over the year, ~10% of deals on an opportunity split 2-3 ways, ~1% cancellations of
earlier bookings), opportunity_split, quota (quarterly bookings quotas) and plan_assignment.
Everything is vectorized with NumPy/Arrow: 5M transactions take seconds. Same seed, same files.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from attain.core.entities import ENTITIES
from attain.engine.inputs import arrow_schema

FAMILIES = ("Hardware", "Software", "Services", "Support", "Cloud")
SECTORS = ("retail", "finance", "technology", "medical", "energy", "telecom")
SEGMENTS = ("SMB", "Mid-Market", "Enterprise")
COUNTRIES = ("US", "CA", "GB", "DE", "FR")
PLAN_ID = "sales"
PRODUCTS = 50


class Dice:
    """Deterministic pseudo-random columns: hashes of row numbers (fast, same seed -> same data)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.stream = 0

    def _bits(self, n: int) -> pl.Series:
        self.stream += 1
        return pl.int_range(0, n, eager=True).hash(self.seed * 1_000_003 + self.stream)

    def ints(self, n: int, low: int, high: int) -> pl.Series:
        """Integers in [low, high)."""
        return ((self._bits(n) % (high - low)).cast(pl.Int64) + low).alias("v")

    def uniform(self, n: int) -> pl.Series:
        """Floats in [0, 1) (for choosing rows only; never money)."""
        return ((self._bits(n) // 2048).cast(pl.Float64) / float(1 << 53)).alias("v")


def _ids(prefix: str, count: int, width: int) -> pa.Array:
    """prefix + zero-padded 1..count, built in Arrow."""
    numbers = pc.cast(pa.array(range(1, count + 1), pa.int64()), pa.string())
    return pc.binary_join_element_wise(prefix, pc.utf8_lpad(numbers, width, "0"), "")


def _money(cents: pl.Series) -> pa.Array:
    """DECIMAL(18, 2) from integer cents, exact."""
    whole = cents.to_arrow().cast(pa.int64()).cast(pa.decimal128(19, 0))
    return pc.multiply(whole, pa.scalar(Decimal("0.01"), pa.decimal128(2, 2))).cast(pa.decimal128(18, 2))


def _take(values: pa.Array, rows: pl.Series) -> pa.Array:
    return values.take(rows.to_arrow().cast(pa.int64()))


def _write(out_dir: Path, entity: str, rows: int, columns: dict[str, object]) -> None:
    """Write one entity file with exactly its schema (missing columns null, constants repeated)."""
    schema = arrow_schema(ENTITIES[entity])
    arrays = []
    for field in schema:
        value = columns.get(field.name)
        if value is None:
            arrays.append(pa.nulls(rows, field.type))
        elif isinstance(value, pl.Series):
            arrays.append(value.to_arrow().cast(field.type))
        elif isinstance(value, pa.Array | pa.ChunkedArray):
            arrays.append(value.cast(field.type))
        elif isinstance(value, list):
            arrays.append(pa.array(value).cast(field.type))
        else:
            arrays.append(pa.repeat(pa.scalar(str(value)).cast(field.type), rows))
    pq.write_table(pa.Table.from_arrays(arrays, schema=schema), out_dir / f"{entity}.parquet")


@dataclass(frozen=True)
class Org:
    """Payees by level: reps are rows [0, reps), then managers, directors and VPs."""

    ids: pa.Array
    reps: int
    managers: int
    directors: int
    vps: int


def _org(payees: int) -> Org:
    """About 10 reports per manager, three levels of managers above the reps."""
    vps, directors, managers = max(1, payees // 1000), max(1, payees // 100), max(1, payees // 10)
    reps = payees - vps - directors - managers
    if reps < 1:
        raise ValueError("need at least 4 payees (a rep and three levels of managers)")
    return Org(_ids("P", payees, 6), reps, managers, directors, vps)


def _people(out_dir: Path, org: Org, year: int, dice: Dice) -> None:
    n = len(org.ids)
    levels = [
        ("Account Executive", org.reps),
        ("Sales Manager", org.managers),
        ("Sales Director", org.directors),
        ("VP Sales", org.vps),
    ]
    titles = [title for title, count in levels for _ in range(count)]
    _write(
        out_dir,
        "payee",
        n,
        {
            "payee_id": org.ids,
            "name": pc.binary_join_element_wise("Seller ", org.ids, ""),
            "title": titles,
            "currency": "USD",
            "hire_date": date(year - 3, 1, 1),
        },
    )
    staff, bosses, first = [], [], 0
    for (_, count), (_, boss_count) in itertools.pairwise(levels):
        boss_first = first + count
        staff += list(range(first, first + count))
        bosses += [boss_first + i % boss_count for i in range(count)]
        first = boss_first
    _write(
        out_dir,
        "reporting_line",
        len(staff),
        {
            "payee_id": _take(org.ids, pl.Series(staff)),
            "manager_id": _take(org.ids, pl.Series(bosses)),
            "valid_from": date(year - 3, 1, 1),
        },
    )
    ti = pl.Series([2_000_000 if i < org.reps else 4_000_000 for i in range(n)])
    _write(
        out_dir,
        "plan_assignment",
        n,
        {
            "payee_id": org.ids,
            "plan_id": PLAN_ID,
            "target_incentive": _money(ti),
            "valid_from": date(year, 1, 1),
        },
    )
    quarters = [(date(year, m, 1), date(year, m + 2, 31 if m in (1, 10) else 30)) for m in (1, 4, 7, 10)]
    rows = org.reps * 4
    _write(
        out_dir,
        "quota",
        rows,
        {
            "assignee_kind": "payee",
            "assignee_id": _take(org.ids, pl.int_range(0, rows, eager=True) // 4),
            "measure": "bookings",
            "period_start": [quarters[i % 4][0] for i in range(rows)],
            "period_end": [quarters[i % 4][1] for i in range(rows)],
            "amount": _money(dice.ints(rows, 250, 600) * 1_000_000),
            "version": 1,
        },
    )


def _catalog(out_dir: Path, org: Org, accounts: int, dice: Dice, year: int) -> pa.Array:
    product_ids = _ids("PR", PRODUCTS, 3)
    _write(
        out_dir,
        "product",
        PRODUCTS,
        {
            "product_id": product_ids,
            "name": pc.binary_join_element_wise("Product ", product_ids, ""),
            "family": [FAMILIES[i % len(FAMILIES)] for i in range(PRODUCTS)],
            "series": [f"S{i % 7}" for i in range(PRODUCTS)],
            "list_price": _money(dice.ints(PRODUCTS, 1_000, 500_000) * 100),
        },
    )
    account_ids = _ids("A", accounts, 7)

    def pick(options: tuple[str, ...]) -> pa.Array:
        return _take(pa.array(options), dice.ints(accounts, 0, len(options)))

    _write(
        out_dir,
        "account",
        accounts,
        {
            "account_id": account_ids,
            "name": pc.binary_join_element_wise("Account ", account_ids, ""),
            "sector": pick(SECTORS),
            "segment": pick(SEGMENTS),
            "country": pick(COUNTRIES),
            "employees": dice.ints(accounts, 5, 50_000),
        },
    )
    territories = _ids("TR", org.reps, 6)
    _write(out_dir, "territory", org.reps, {"territory_id": territories, "name": territories})
    _write(
        out_dir,
        "territory_assignment",
        org.reps,
        {
            "territory_id": territories,
            "payee_id": org.ids.slice(0, org.reps),
            "role": "owner",
            "valid_from": date(year - 1, 1, 1),
        },
    )
    _write(
        out_dir,
        "account_territory",
        accounts,
        {
            "account_id": account_ids,
            "territory_id": _take(territories, pl.int_range(0, accounts, eager=True) % org.reps),
            "valid_from": date(year - 1, 1, 1),
        },
    )
    return account_ids


def _transactions(out_dir: Path, org: Org, account_ids: pa.Array, count: int, year: int, dice: Dice) -> None:
    first_day = (date(year, 1, 1) - date(1970, 1, 1)).days
    days = (date(year + 1, 1, 1) - date(year, 1, 1)).days
    frame = pl.DataFrame(
        {
            "day": dice.ints(count, 0, days).sort() + first_day,
            "account": dice.ints(count, 0, len(account_ids)),
            "cents": dice.ints(count, 100, 5_000_000),
            "cancel": dice.uniform(count) < 0.01,
            "target": (dice.uniform(count) * pl.int_range(0, count, eager=True)).cast(pl.Int64),
            "split": dice.uniform(count) < 0.10,
            "product": dice.ints(count, 0, PRODUCTS),
            "term": dice.ints(count, 0, 3) * 12 + 12,
        }
    ).with_row_index("row")
    frame = frame.with_columns(
        cancel=pl.col("cancel") & (pl.col("row") > 0) & ~pl.col("cancel").gather(pl.col("target"))
    )
    frame = frame.with_columns(
        cents=pl.when("cancel").then(pl.col("cents").gather(pl.col("target"))).otherwise("cents"),
        account=pl.when("cancel").then(pl.col("account").gather(pl.col("target"))).otherwise("account"),
        split=pl.col("split") & ~pl.col("cancel"),
    ).with_columns(owner=pl.col("account") % org.reps)
    ids = _ids("T", count, 8)
    cancel = frame["cancel"].to_arrow()
    opportunity = pc.if_else(
        frame["split"].to_arrow(), pc.binary_join_element_wise("O", ids, ""), pa.nulls(count, pa.string())
    )
    _write(
        out_dir,
        "transaction",
        count,
        {
            "transaction_id": ids,
            "kind": pc.if_else(cancel, "cancellation", "booking"),
            "date": frame["day"].cast(pl.Int32).to_arrow().cast(pa.date32()),
            "amount": _money(frame["cents"]),
            "currency": "USD",
            "quantity": 1,
            "account_id": _take(account_ids, frame["account"]),
            "product_id": _take(_ids("PR", PRODUCTS, 3), frame["product"]),
            "owner_id": _take(org.ids, frame["owner"]),
            "opportunity_id": opportunity,
            "reverses_id": pc.if_else(cancel, _take(ids, frame["target"]), pa.nulls(count, pa.string())),
            "contract_term_months": frame["term"],
        },
    )
    _splits(out_dir, org, frame.filter("split").select("row", "owner"), ids, dice)


def _splits(out_dir: Path, org: Org, deals: pl.DataFrame, ids: pa.Array, dice: Dice) -> None:
    """2-3 payees per split deal: owner 50% + partner 50%, or owner 50% + 30% + 20%."""
    n = deals.height
    three = dice.uniform(n) < 0.5
    partner1 = (deals["owner"] + dice.ints(n, 1, org.reps)) % org.reps
    partner2 = (deals["owner"] + dice.ints(n, 1, org.reps)) % org.reps
    first = pl.DataFrame({"row": deals["row"], "payee": deals["owner"], "percent": 50})
    second = pl.DataFrame({"row": deals["row"], "payee": partner1, "three": three}).select(
        "row", "payee", percent=pl.when("three").then(30).otherwise(50)
    )
    third = (
        pl.DataFrame({"row": deals["row"], "payee": partner2, "three": three})
        .filter("three")
        .select("row", "payee", percent=pl.lit(20))
    )
    team = pl.concat(
        [
            first.cast({"percent": pl.Int64}),
            second.cast({"percent": pl.Int64}),
            third.cast({"percent": pl.Int64}),
        ]
    )
    _write(
        out_dir,
        "opportunity_split",
        team.height,
        {
            "opportunity_id": pc.binary_join_element_wise("O", _take(ids, team["row"]), ""),
            "payee_id": _take(org.ids, team["payee"]),
            "role": "team",
            "percent": team["percent"].cast(pl.Int32).to_arrow().cast(pa.decimal128(24, 10)),
        },
    )


def generate_company(
    out_dir: Path, payees: int = 10_000, transactions: int = 5_000_000, seed: int = 7, year: int = 2025
) -> Path:
    """Write the synthetic company's entity Parquet files into ``out_dir``; return it."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    dice = Dice(seed)
    org = _org(payees)
    _people(out_dir, org, year, dice)
    account_ids = _catalog(out_dir, org, max(10, payees * 2), dice, year)
    _transactions(out_dir, org, account_ids, transactions, year, dice)
    return out_dir
