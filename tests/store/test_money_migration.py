"""Migration 0008 widens money to 3 decimals without changing a stored value, on SQLite and PostgreSQL.

A company that ran on 2-decimal money upgrades: its deals, adjustments and approved payout lines read
back exactly as they were (the biggest amount NUMERIC(18, 2) could hold included); from then on a
Kuwaiti line of 43.215 KWD is kept to the fils; going back to 2 decimals is refused while such a line
exists, and once it is gone the downgrade restores the old text exactly.
"""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pytest
from alembic import command
from sqlalchemy import Column, MetaData, String, Table, insert, inspect, select, text, update

from attain.store.db import alembic_config, get_engine, reading, transaction, upgrade
from attain.store.tables import ENTITY_TABLES, adjustment, calc_run, payout
from attain.store.types import ExactDecimal

BIGGEST = Decimal("9999999999999999.99")
"""The largest amount NUMERIC(18, 2) holds: it must survive the widening."""

old = MetaData()
old_product = Table("product", old, Column("product_id", String), Column("list_price", ExactDecimal(18, 2)),
                    Column("currency", String))
old_adjustment = Table("adjustment", old, Column("payee_id", String), Column("period_label", String),
                       Column("amount", ExactDecimal(18, 2)), Column("currency", String),
                       Column("reason", String), Column("author", String))


def _load_two_decimal_company(url: str) -> int:
    """At revision 0007: products, an adjustment and an approved payout line with 2-decimal money."""
    upgrade(url, "0007")
    with transaction(url, "test") as conn:
        conn.execute(insert(old_product), [
            {"product_id": "BIG", "list_price": BIGGEST, "currency": "USD"},
            {"product_id": "P1", "list_price": Decimal("12.30"), "currency": "KWD"},
            {"product_id": "P2", "list_price": None, "currency": "USD"},
        ])
        conn.execute(insert(old_adjustment).values(payee_id="R1", period_label="2017-01",
                                                   amount=Decimal("-1234.56"), currency="USD",
                                                   reason="returned deal", author="fin"))
        run_id = conn.execute(insert(calc_run).values(status="succeeded", periods=["2017-01"],
                                                      created_by="test").returning(calc_run.c.id)).scalar_one()
        conn.execute(text("INSERT INTO payout (run_id, payee_id, period_label, amount, amount_rounded, "
                          "currency, status) VALUES (:run, 'R1', '2017-01', :exact, :paid, 'USD', 'approved')"),  # noqa: E501
                     {"run": run_id, "exact": _stored(url, Decimal("1000.0050000000")),
                      "paid": _stored(url, Decimal("1000.00"))})
    return int(run_id)


def _stored(url: str, value: Decimal) -> object:
    """What the old code wrote: canonical text on SQLite, the number on PostgreSQL."""
    return str(value) if url.startswith("sqlite") else value


def _raw_text(url: str, table: str, column: str) -> list[str | None]:
    """The stored text of a money column (SQLite), ordered by id."""
    with reading(url) as conn:
        return list(conn.execute(text(f'SELECT "{column}" FROM "{table}" ORDER BY id')).scalars())


def _downgrade(url: str, revision: str) -> None:
    with get_engine(url).connect() as conn:
        config = alembic_config(url)
        config.attributes["connection"] = conn
        command.downgrade(config, revision)
        conn.commit()


def _money_type(url: str, table: str, column: str) -> tuple[int, int]:
    found = {c["name"]: c["type"] for c in inspect(get_engine(url)).get_columns(table)}
    return getattr(found[column], "precision", 0), getattr(found[column], "scale", 0)


def test_upgrade_keeps_every_amount_and_stores_three_decimals(db_url: str) -> None:
    run_id = _load_two_decimal_company(db_url)
    upgrade(db_url)

    product = ENTITY_TABLES["product"]
    with reading(db_url) as conn:
        prices = conn.execute(select(product.c.product_id, product.c.list_price).order_by(product.c.id)).all()
        adjusted = conn.execute(select(adjustment.c.amount)).scalar_one()
        paid = conn.execute(select(payout.c.amount_rounded, payout.c.status)).one()
    assert [tuple(p) for p in prices] == [("BIG", BIGGEST), ("P1", Decimal("12.3")), ("P2", None)]
    assert str(adjusted) == "-1234.56" and tuple(paid) == (Decimal("1000"), "approved")
    if db_url.startswith("sqlite"):  # equal amounts stay equal text: the old '12.30' is now '12.300'
        assert _raw_text(db_url, "product", "list_price") == ["9999999999999999.990", "12.300", None]
        assert _raw_text(db_url, "payout", "amount_rounded") == ["1000.000"]
    else:
        assert _money_type(db_url, "payout", "amount_rounded") == (19, 3)

    with transaction(db_url, "test") as conn:  # a Kuwaiti line paid to the fils
        conn.execute(update(payout).where(payout.c.run_id == run_id).values(amount_rounded=Decimal("43.215"),
                                                                           currency="KWD"))
    with reading(db_url) as conn:
        assert str(conn.execute(select(payout.c.amount_rounded)).scalar_one()) == "43.215"


def test_downgrade_is_refused_while_an_amount_has_fils(db_url: str) -> None:
    run_id = _load_two_decimal_company(db_url)
    upgrade(db_url)
    with transaction(db_url, "test") as conn:
        conn.execute(update(payout).where(payout.c.run_id == run_id).values(amount_rounded=Decimal("43.215")))

    with pytest.raises(RuntimeError, match=r"would lose fils \(payout.amount_rounded: 1\)"):
        _downgrade(db_url, "0007")
    with reading(db_url) as conn:
        assert conn.execute(select(payout.c.amount_rounded)).scalar_one() == Decimal("43.215")

    with transaction(db_url, "test") as conn:
        conn.execute(update(payout).values(amount_rounded=Decimal("43.210")))
    _downgrade(db_url, "0007")
    if db_url.startswith("sqlite"):
        assert _raw_text(db_url, "payout", "amount_rounded") == ["43.21"]
        assert _raw_text(db_url, "product", "list_price") == ["9999999999999999.99", "12.30", None]
    else:
        assert _money_type(db_url, "payout", "amount_rounded") == (18, 2)
        assert _money_type(db_url, "transaction", "amount") == (18, 2)


@pytest.mark.parametrize(("stored", "read"), [
    ("250.000", "250.00"), ("43.215", "43.215"), ("-0.100", "-0.10"), ("12.340", "12.34"),
    ("9999999999999999.990", "9999999999999999.99"), ("0.000", "0.00"),
])
def test_money_reads_back_as_cents_unless_it_has_fils(stored: str, read: str) -> None:
    from sqlalchemy import create_engine

    from attain.store.tables import MONEY

    dialect = create_engine("sqlite://").dialect
    assert str(MONEY.process_result_value(stored, dialect)) == read  # SQLite's text
    assert str(MONEY.process_result_value(Decimal(stored), dialect)) == read  # PostgreSQL's NUMERIC(19, 3)


def test_an_entity_reads_money_in_cents_until_an_amount_has_fils(migrated_url: str) -> None:
    """Without fils, deals read as decimal128(18, 2), as before 0008 (the engine and analytics sum and
    print 2 places); one deal in fils and the column is decimal128(19, 3). No digit is ever lost."""
    from attain.store.repos import load_entity

    products = ENTITY_TABLES["product"]
    with transaction(migrated_url, "test") as conn:
        conn.execute(insert(products), [{"product_id": p, "list_price": Decimal(a), "currency": c}
                                        for p, a, c in (("P1", "250.10", "USD"), ("P2", "-3", "JPY"))])

    def prices() -> pa.ChunkedArray:
        with reading(migrated_url) as conn:
            return load_entity(conn, "product").column("list_price")

    assert prices().type == pa.decimal128(18, 2)
    assert prices().to_pylist() == [Decimal("250.10"), Decimal("-3.00")]
    with transaction(migrated_url, "test") as conn:
        conn.execute(insert(products).values(product_id="P3", list_price=Decimal("43.215"), currency="KWD"))
    assert prices().type == pa.decimal128(19, 3)
    assert [str(a) for a in prices().to_pylist()] == ["250.100", "-3.000", "43.215"]
