"""Importing files into the store, on SQLite and PostgreSQL: whole or not at all, idempotent, explained.

Each test reads like an analyst's afternoon: load the reference data, import the deals, look at what
the importer says about the bad rows, and check that nothing half-imported reached the database.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import func, select

from attain.services.imports import IMPORT_ORDER, import_file, import_folder
from attain.store.db import reading
from attain.store.tables import ENTITY_TABLES, import_batch

DATA = Path(__file__).parent / "data"
MAPPINGS = Path(__file__).resolve().parents[2] / "examples" / "mappings"


def count(url: str, entity: str) -> int:
    with reading(url) as conn:
        return int(conn.execute(select(func.count()).select_from(ENTITY_TABLES[entity])).scalar_one())


def rows(url: str, entity: str, *columns: str) -> list[tuple[object, ...]]:
    table = ENTITY_TABLES[entity]
    with reading(url) as conn:
        return [tuple(r) for r in conn.execute(select(*(table.c[c] for c in columns)).order_by(table.c.id))]


def batches(url: str) -> list[dict[str, object]]:
    with reading(url) as conn:
        result = conn.execute(select(import_batch).order_by(import_batch.c.id))
        return [dict(r._mapping) for r in result]


def load_reference(url: str) -> None:
    for entity in ("payee", "product", "account"):
        report = import_file(url, entity, DATA / f"{entity}.csv", actor="test")
        assert report.imported, report.issues


def test_a_good_file_is_imported_with_its_lineage(migrated_url: str) -> None:
    load_reference(migrated_url)
    report = import_file(migrated_url, "transaction", DATA / "transaction.csv", actor="analyst")

    assert report.imported and report.issues == []
    assert (report.created, report.updated, report.unchanged) == (4, 0, 0)
    got = rows(migrated_url, "transaction", "transaction_id", "amount", "currency", "quantity", "source_line",
               "source_file", "reverses_id")
    # "1,250.50" is read exactly; an empty currency takes the default USD; line numbers are kept
    assert got[2][:5] == ("T3", Decimal("1250.50"), "USD", Decimal("2"), 4)
    assert got[0][5] == "transaction.csv"
    assert got[3][6] == "T1"
    assert batches(migrated_url)[-1]["status"] == "succeeded"
    assert batches(migrated_url)[-1]["created_count"] == 4


def test_reimporting_the_same_file_changes_nothing(migrated_url: str) -> None:
    load_reference(migrated_url)
    first = import_file(migrated_url, "transaction", DATA / "transaction.csv")
    again = import_file(migrated_url, "transaction", DATA / "transaction.csv")

    assert (first.created, first.unchanged) == (4, 0)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert count(migrated_url, "transaction") == 4


def test_a_corrected_row_is_an_update(migrated_url: str, tmp_path: Path) -> None:
    load_reference(migrated_url)
    import_file(migrated_url, "transaction", DATA / "transaction.csv")
    text = (DATA / "transaction.csv").read_text().replace("2017-03-11,4514", "2017-03-11,4600")
    (tmp_path / "transaction.csv").write_text(text)

    report = import_file(migrated_url, "transaction", tmp_path / "transaction.csv")

    assert (report.created, report.updated, report.unchanged) == (0, 1, 3)
    assert rows(migrated_url, "transaction", "amount")[1] == (Decimal("4600.00"),)


EXPECTED_BAD_ROWS = {  # line -> (code, column): one kind of mistake per line
    3: ("IMP011", "date"),  # 2017-13-01 is not a date
    4: ("IMP012", "amount"),  # 12x is not a number
    5: ("IMP014", "contract_term_months"),  # -12 months
    6: ("IMP015", "currency"),  # XYZ
    7: ("IMP016", "kind"),  # refund is not a transaction kind
    8: ("IMP020", "product_id"),  # product Nope does not exist
    9: ("IMP021", "transaction_id"),  # T1 again
    10: ("IMP017", "amount"),  # 10.123 USD: a tenth of a cent
    11: ("IMP023", "reverses_id"),  # a cancellation that reverses nothing
    12: ("IMP024", "reverses_id"),  # a return of T999, which does not exist
    13: ("IMP010", "date"),  # no date
    14: ("IMP026", "quantity"),  # 11 decimal places
    15: ("IMP013", "contract_term_months"),  # 3.5 months
    16: ("IMP020", "owner_id"),  # owner Nobody Known is not a payee
    18: ("IMP017", "amount"),  # 100.5 JPY: yen have no decimals
}


def test_a_file_with_bad_rows_is_refused_and_nothing_is_written(migrated_url: str) -> None:
    load_reference(migrated_url)
    report = import_file(migrated_url, "transaction", DATA / "transaction_bad.csv", actor="analyst")

    assert not report.imported
    found = {(i.source.line, i.code, i.source.column) for i in report.issues}
    assert found == {(line, code, column) for line, (code, column) in EXPECTED_BAD_ROWS.items()}
    assert report.rejected_rows == len(EXPECTED_BAD_ROWS)
    # good lines 2 and 17 (T16 reverses T1 of the same file) are not blamed, and not written either
    assert count(migrated_url, "transaction") == 0
    failed = batches(migrated_url)[-1]
    assert failed["status"] == "failed" and failed["rejected_count"] == len(EXPECTED_BAD_ROWS)
    assert failed["file_name"] == "transaction_bad.csv"


def test_messages_say_what_is_wrong_in_plain_words(migrated_url: str) -> None:
    load_reference(migrated_url)
    report = import_file(migrated_url, "transaction", DATA / "transaction_bad.csv")
    by_line = {i.source.line: i for i in report.issues}

    assert by_line[3].message == "date '2017-13-01' is not a date (expected YYYY-MM-DD)"
    assert by_line[3].value == "2017-13-01" and by_line[3].record == "transaction T2"
    assert by_line[9].message.startswith(
        "transaction T1 appears more than once in the file (first on line 2)")
    assert by_line[10].message == "amount 10.123 has more decimals than USD allows (2)"
    assert by_line[12].message == (
        "reverses transaction 'T999', which is neither in the database nor in this file")
    assert str(by_line[8]).endswith(
        "transaction_bad.csv:8 [product_id]: [IMP020] product_id 'Nope' is not a known product "
        "(not in the database, not in this file)")


def test_effective_dates_must_not_end_before_they_start(migrated_url: str, tmp_path: Path) -> None:
    load_reference(migrated_url)
    (tmp_path / "reporting_line.csv").write_text(
        "payee_id,manager_id,valid_from,valid_to\n"
        "Moses Frase,Melvin Marxen,2017-01-01,2016-12-31\n"
        "Darcel Schlecht,Melvin Marxen,2017-01-01,\n"
    )
    report = import_file(migrated_url, "reporting_line", tmp_path / "reporting_line.csv")

    assert [(i.source.line, i.code) for i in report.issues] == [(2, "IMP022")]
    assert count(migrated_url, "reporting_line") == 0


def test_split_percents_of_an_opportunity_must_total_100(migrated_url: str, tmp_path: Path) -> None:
    load_reference(migrated_url)
    (tmp_path / "opportunity.csv").write_text("opportunity_id,owner_id\nO1,Moses Frase\nO2,Moses Frase\n")
    assert import_file(migrated_url, "opportunity", tmp_path / "opportunity.csv").imported
    (tmp_path / "opportunity_split.csv").write_text(
        "opportunity_id,payee_id,percent\n"
        "O1,Moses Frase,60\nO1,Darcel Schlecht,40\n"
        "O2,Moses Frase,50\nO2,Darcel Schlecht,45.5\n"
    )
    report = import_file(migrated_url, "opportunity_split", tmp_path / "opportunity_split.csv")

    assert [(i.source.line, i.code, i.value) for i in report.issues] == [
        (4, "IMP025", "50"), (5, "IMP025", "45.5")]
    assert report.issues[0].message == "the split percents of opportunity O2 total 95.5, not 100"
    assert count(migrated_url, "opportunity_split") == 0


def test_a_10k_row_file_with_one_bad_row_writes_nothing(migrated_url: str, tmp_path: Path) -> None:
    load_reference(migrated_url)
    n = 10_000
    frame = pl.DataFrame({
        "transaction_id": [f"B{i:05d}" for i in range(n)],
        "date": ["2017-05-01"] * n,
        "amount": [f"{i}.25" for i in range(n)],
        "owner_id": ["Moses Frase"] * n,
        "product_id": ["GTX Basic"] * n,
    })
    bad = 4999  # data row 5,000 -> line 5,001
    frame = frame.with_columns(pl.when(pl.int_range(n) == bad).then(pl.lit("2017-02-30"))
                               .otherwise(pl.col("date")).alias("date"))
    frame.write_csv(tmp_path / "transaction.csv")

    report = import_file(migrated_url, "transaction", tmp_path / "transaction.csv")

    assert [(i.source.line, i.code, i.value) for i in report.issues] == [(5001, "IMP011", "2017-02-30")]
    assert count(migrated_url, "transaction") == 0
    good = frame.with_columns(pl.col("date").replace("2017-02-30", "2017-02-28"))
    good.write_csv(tmp_path / "transaction.csv")
    assert import_file(migrated_url, "transaction", tmp_path / "transaction.csv").created == n


def test_an_xlsx_workbook_imports_like_a_csv(migrated_url: str, tmp_path: Path) -> None:
    import datetime as dt

    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Notes"
    book.active.append(["this sheet is not the payees"])
    sheet = book.create_sheet("Payees")
    sheet.append(["payee_id", "name", "hire_date", "currency"])
    sheet.append(["E1042", "Ana Ortiz", dt.datetime(2016, 5, 2), "EUR"])
    sheet.append(["E1043", "Ben Ode", dt.date(2017, 1, 9), None])
    sheet.append([1044, "Cy Num", None, "usd"])
    book.save(tmp_path / "payees.xlsx")

    report = import_file(migrated_url, "payee", tmp_path / "payees.xlsx", sheet="Payees")

    assert report.imported, report.issues
    assert rows(migrated_url, "payee", "payee_id", "hire_date", "currency", "source_line") == [
        ("E1042", dt.date(2016, 5, 2), "EUR", 2), ("E1043", dt.date(2017, 1, 9), "USD", 3),
        ("1044", None, "USD", 4)]
    first_sheet = import_file(migrated_url, "payee", tmp_path / "payees.xlsx")
    assert [i.code for i in first_sheet.issues] == ["IMP006", "IMP005", "IMP005"]


def test_a_salesforce_export_maps_without_code(migrated_url: str) -> None:
    export = DATA / "salesforce_opportunities.csv"
    for entity, mapping in (("payee", "salesforce-payee.yaml"), ("account", "salesforce-account.yaml"),
                            ("opportunity", "salesforce-opportunity.yaml"),
                            ("transaction", "salesforce-booking.yaml")):
        report = import_file(migrated_url, entity, export, MAPPINGS / mapping)
        assert report.imported, report.issues

    opportunities = rows(migrated_url, "opportunity", "opportunity_id", "status", "amount", "close_date",
                         "owner_id")
    assert [o[1] for o in opportunities] == ["won", "open", "lost", "won", "open"]
    assert opportunities[0][2] == Decimal("192840.00")
    assert str(opportunities[0][3]) == "2017-03-28"
    bookings = rows(migrated_url, "transaction", "transaction_id", "amount", "date", "source_line")
    assert bookings == [("SF-0065g00000AbCdE", Decimal("192840.00"), bookings[0][2], 2),
                        ("SF-0065g00000AbCdH", Decimal("4821.00"), bookings[1][2], 5)]
    assert count(migrated_url, "payee") == 2 and count(migrated_url, "account") == 3


def test_a_folder_imports_in_dependency_order_all_or_nothing(migrated_url: str, tmp_path: Path) -> None:
    for name in ("transaction", "account", "product", "payee"):  # written in the wrong order on purpose
        (tmp_path / f"{name}.csv").write_text((DATA / f"{name}.csv").read_text())

    reports = import_folder(migrated_url, tmp_path)

    assert [r.entity for r in reports] == ["payee", "account", "product", "transaction"]
    assert all(r.imported for r in reports)
    assert IMPORT_ORDER.index("payee") < IMPORT_ORDER.index("transaction")
    (tmp_path / "transaction.csv").write_text((DATA / "transaction_bad.csv").read_text())
    (tmp_path / "payee.csv").write_text((DATA / "payee.csv").read_text().replace("Account Executive", "AE"))

    refused = import_folder(migrated_url, tmp_path)

    assert not refused[0].imported and refused[0].entity == "transaction"
    assert rows(migrated_url, "payee", "title")[0] == ("Account Executive",)  # the payee change rolled back


def test_unknown_kind_missing_file_and_bad_mapping_are_reported(migrated_url: str, tmp_path: Path) -> None:
    assert [i.code for i in import_file(migrated_url, "deal", DATA / "payee.csv").issues] == ["IMP004"]
    assert [i.code for i in import_file(migrated_url, "payee", tmp_path / "nope.csv").issues] == ["IMP001"]
    (tmp_path / "m.yaml").write_text("entity: payee\nfields: {payee_id: payee_id, salary: name}\n")
    report = import_file(migrated_url, "payee", DATA / "payee.csv", tmp_path / "m.yaml")
    assert [i.code for i in report.issues] == ["IMP003"] and "salary" in report.issues[0].message
    assert batches(migrated_url)[-1]["status"] == "failed"


@pytest.mark.parametrize("entity", ["payee", "transaction", "quota"])
def test_import_order_puts_references_first(entity: str) -> None:
    from attain.core.entities import ENTITIES

    for field in ENTITIES[entity].fields:
        if field.ref and field.ref != entity:
            assert IMPORT_ORDER.index(field.ref) < IMPORT_ORDER.index(entity)


def test_a_folder_file_uses_the_mapping_beside_it(migrated_url: str, tmp_path: Path) -> None:
    (tmp_path / "payee.csv").write_text("Employee,Full name\nE1,Ana Ortiz\nE2,Bo Li\n")
    mapping = "entity: payee\nfields: {payee_id: Employee, name: Full name}\n"
    (tmp_path / "payee.mapping.yaml").write_text(mapping)
    (tmp_path / "notes.txt").write_text("not imported: only .csv/.xlsx files are")

    reports = import_folder(migrated_url, tmp_path)

    assert [(r.entity, r.imported, r.created) for r in reports] == [("payee", True, 2)]
    (tmp_path / "payees-old.csv").write_text("payee_id,name\nE9,Old\n")
    refused = import_folder(migrated_url, tmp_path)
    assert [i.code for i in refused[0].issues] == ["IMP091"]
