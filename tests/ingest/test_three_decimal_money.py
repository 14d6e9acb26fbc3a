"""Importing money in 3-decimal currencies (KWD, BHD...): kept to the fils, never cut, refused beyond it.

A Kuwaiti analyst loads deals of 12.345 KWD and 1,234.567 KWD: they are stored exactly, and loading
the same file again changes nothing. A deal of 12.3456 KWD (a tenth of a fils) is refused with its
line, as a tenth of a cent is for USD and any decimal for JPY; the whole file is then refused.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import polars as pl
from sqlalchemy import select

from attain.core.entities import FieldKind, FieldSpec
from attain.ingest.types import parse_field, polars_type
from attain.services.imports import import_file
from attain.store.db import reading
from attain.store.tables import ENTITY_TABLES

PAYEES = "payee_id,name,currency\nK1,Khalid Kuwait,KWD\nU1,Uma Usd,USD\n"
DEALS = (
    "transaction_id,date,amount,currency,owner_id\n"
    "D1,2017-01-10,12.345,KWD,K1\n"
    'D2,2017-01-12,"1,234.567",kwd,K1\n'
    "D3,2017-01-15,-0.005,KWD,K1\n"
    "D4,2017-01-20,500.1,KWD,K1\n"
    "D5,2017-01-21,99.99,USD,U1\n"
)
BAD_DEALS = (
    "transaction_id,date,amount,currency,owner_id\n"
    "B1,2017-01-10,12.345,KWD,K1\n"
    "B2,2017-01-11,12.3456,KWD,K1\n"
    "B3,2017-01-12,1.005,USD,U1\n"
    "B4,2017-01-13,1.5,JPY,U1\n"
    "B5,2017-01-14,7.1230,BHD,K1\n"
)


def _file(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _amounts(url: str) -> dict[str, tuple[str, str]]:
    deals = ENTITY_TABLES["transaction"]
    with reading(url) as conn:
        found = conn.execute(select(deals.c.transaction_id, deals.c.amount, deals.c.currency)).all()
    return {tid: (str(amount), currency) for tid, amount, currency in found}


def test_kuwaiti_deals_are_stored_to_the_fils_and_reimport_changes_nothing(migrated_url: str,
                                                                           tmp_path: Path) -> None:
    assert import_file(migrated_url, "payee", _file(tmp_path, "payee.csv", PAYEES)).imported
    deals = _file(tmp_path, "transaction.csv", DEALS)

    first = import_file(migrated_url, "transaction", deals, actor="analyst")
    again = import_file(migrated_url, "transaction", deals, actor="analyst")

    assert first.imported and first.issues == [] and first.created == 5
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    assert _amounts(migrated_url) == {
        "D1": ("12.345", "KWD"), "D2": ("1234.567", "KWD"), "D3": ("-0.005", "KWD"),
        "D4": ("500.10", "KWD"), "D5": ("99.99", "USD"),  # no fils: read back as written in cents
    }


def test_a_tenth_of_a_fils_is_refused_with_its_line_and_nothing_is_written(migrated_url: str,
                                                                            tmp_path: Path) -> None:
    assert import_file(migrated_url, "payee", _file(tmp_path, "payee.csv", PAYEES)).imported

    report = import_file(migrated_url, "transaction", _file(tmp_path, "transaction.csv", BAD_DEALS))

    assert not report.imported
    assert [(i.source.line, i.code, i.source.column, i.message) for i in report.issues] == [
        (3, "IMP017", "amount", "amount 12.3456 has more decimals than KWD allows (3)"),
        (4, "IMP017", "amount", "amount 1.005 has more decimals than USD allows (2)"),
        (5, "IMP017", "amount", "amount 1.5 has more decimals than JPY allows (0)"),
    ]  # line 6: 7.1230 BHD is 7.123 (a trailing zero is no decimal)
    assert _amounts(migrated_url) == {}


def test_a_target_incentive_may_have_fils(migrated_url: str, tmp_path: Path) -> None:
    """A plan assignment says no currency (it is the payee's): any currency's decimals are allowed."""
    assert import_file(migrated_url, "payee", _file(tmp_path, "payee.csv", PAYEES)).imported
    text = ("payee_id,plan_id,valid_from,target_incentive\nK1,gulf,2017-01-01,15000.125\n"
            "U1,gulf,2017-01-01,1.0001\n")

    report = import_file(migrated_url, "plan_assignment", _file(tmp_path, "plan_assignment.csv", text))

    assert [(i.source.line, i.message) for i in report.issues] == [
        (3, "target_incentive 1.0001 has more decimals than any currency allows (3)")]
    fixed = import_file(migrated_url, "plan_assignment",
                        _file(tmp_path, "plan_assignment.csv", text.replace("1.0001", "1.5")))
    assignments = ENTITY_TABLES["plan_assignment"]
    with reading(migrated_url) as conn:
        kept = conn.execute(select(assignments.c.target_incentive).order_by(assignments.c.id)).scalars().all()
    assert fixed.imported and kept == [Decimal("15000.125"), Decimal("1.5")]


def test_the_money_parser_types_amounts_to_the_fils() -> None:
    """The field parser itself reads money as the store keeps it (NUMERIC(19, 3)): 12.345 is not cut
    to 12.34 and the largest amount, 16 digits and 3 decimals, fits; the currency rule is separate."""
    amounts = ["12.345", "1,234.567", "-0.005", "500.1", "9999999999999999.999", "12,3x"]
    frame = pl.DataFrame({"amount": amounts})
    value, checks = parse_field(frame, FieldSpec("amount", FieldKind.MONEY), "amount", None)
    typed = frame.select(value.alias("amount"))["amount"]
    assert polars_type(FieldKind.MONEY) == pl.Decimal(19, 3) and typed.dtype == pl.Decimal(19, 3)
    assert typed.to_list() == [Decimal("12.345"), Decimal("1234.567"), Decimal("-0.005"), Decimal("500.1"),
                               Decimal("9999999999999999.999"), None]
    flagged = [frame.select(check.bad.alias("bad"))["bad"].to_list() for check in checks]
    assert flagged == [[False] * 5 + [True], [False] * 6]  # "12,3x" is not a number; none is too large
