"""Readers, mappings and validation on their own (no database): what a file turns into, cell by cell."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from attain.core.entities import ENTITIES
from attain.core.errors import CATALOG
from attain.ingest.mapping import ColumnMapping, MappingError, apply_mapping, identity_mapping, load_mapping
from attain.ingest.readers import LINE, ReadError, read_rows
from attain.ingest.validate import validate

ROOT = Path(__file__).resolve().parents[2]


def write(path: Path, text: str, *, bom: bool = False) -> Path:
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode())
    return path


def mapping(text: str) -> ColumnMapping:
    return ColumnMapping.model_validate(yaml.safe_load(text))


# -- readers ------------------------------------------------------------------------------------


def test_csv_keeps_text_and_line_numbers_through_bom_blank_lines_and_multiline_values(tmp_path: Path) -> None:
    path = write(tmp_path / "p.csv", 'payee_id,name\n  0042 ,"Ana\nOrtiz"\n\nE7,\nE8,  Bo  \n', bom=True)

    rows = read_rows(path)

    assert rows.columns == ("payee_id", "name")  # the byte-order mark is not part of the first name
    assert rows.frame.to_dicts() == [
        {"payee_id": "0042", "name": "Ana\nOrtiz", LINE: 2},  # text kept: "0042" is not 42
        {"payee_id": "E7", "name": None, LINE: 5},  # line 4 is blank; an empty cell is null
        {"payee_id": "E8", "name": "Bo", LINE: 6},
    ]


@pytest.mark.parametrize(("content", "code"), [("", "IMP002"), ("a,b,a\n1,2,3\n", "IMP007")])
def test_unusable_headers_are_file_errors(tmp_path: Path, content: str, code: str) -> None:
    with pytest.raises(ReadError) as error:
        read_rows(write(tmp_path / "x.csv", content))
    assert [i.code for i in error.value.issues] == [code]


def test_xlsx_cells_become_the_text_a_person_sees(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Deals"
    sheet.append(["id", "amount", "when", "count"])
    sheet.append(["D1", 1054.5, dt.datetime(2017, 3, 1), 3])
    sheet.append([None, None, None, None])
    sheet.append(["D2", 0.1, dt.datetime(2017, 3, 2, 14, 30), 4.0])
    book.save(tmp_path / "deals.xlsx")

    rows = read_rows(tmp_path / "deals.xlsx")

    assert rows.sheet == "Deals"
    assert rows.frame.to_dicts() == [
        {"id": "D1", "amount": "1054.5", "when": "2017-03-01", "count": "3", LINE: 2},
        {"id": "D2", "amount": "0.1", "when": "2017-03-02 14:30:00", "count": "4", LINE: 4},
    ]
    with pytest.raises(ReadError) as error:
        read_rows(tmp_path / "deals.xlsx", sheet="Nope")
    assert error.value.issues[0].code == "IMP008"


def test_a_legacy_encoded_csv_is_imp001_with_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "payee.csv"
    path.write_bytes("payee_id,name\nE1,José\n".encode("latin-1"))
    with pytest.raises(ReadError) as error:
        read_rows(path)
    issue = error.value.issues[0]
    assert issue.code == "IMP001" and "save it again as 'CSV UTF-8'" in issue.message


def test_a_file_that_is_not_there_is_imp001(tmp_path: Path) -> None:
    with pytest.raises(ReadError) as error:
        read_rows(tmp_path / "missing.csv")
    assert error.value.issues[0].code == "IMP001"


# -- mapping ------------------------------------------------------------------------------------


def test_a_mapping_builds_fields_from_columns_maps_values_and_filters_rows(tmp_path: Path) -> None:
    path = write(tmp_path / "crm.csv",
                 "ID,First,Last,Stage,Revenue (M),Closed\n"
                 "1,Ana,Ortiz,Closed Won,1100.04,03/28/2017\n"
                 "2,Bo,Li,Negotiation,0.5,\n"
                 "3,Cy,Ng,Closed Lost,,04/02/2017\n"
                 "4,Di,Ox,Closed Won,\"2,000\",05/01/2017\n")
    spec = mapping("""
        entity: opportunity
        where: [{column: Stage, not_in: [Closed Lost]}]
        defaults: {currency: EUR}
        fields:
          opportunity_id: {template: "OPP-{ID}"}
          name: {template: "{First} {Last}"}
          status: {column: Stage, value_map: {Closed Won: won, Closed Lost: lost}, otherwise: open}
          amount: {column: Revenue (M), multiply_by: 1000000}
          close_date: {column: Closed, date_format: "%m/%d/%Y"}
          stage: {constant: imported}
    """)

    mapped = apply_mapping(spec, read_rows(path))
    checked = validate(mapped, ENTITIES["opportunity"])

    assert checked.ok, checked.issues
    got = checked.table.select(["opportunity_id", "name", "status", "amount", "close_date", "currency",
                                "stage", LINE]).to_pylist()
    assert got == [
        {"opportunity_id": "OPP-1", "name": "Ana Ortiz", "status": "won", "amount": Decimal("1100040000.00"),
         "close_date": dt.date(2017, 3, 28), "currency": "EUR", "stage": "imported", LINE: 2},
        {"opportunity_id": "OPP-2", "name": "Bo Li", "status": "open", "amount": Decimal("500000.00"),
         "close_date": None, "currency": "EUR", "stage": "imported", LINE: 3},
        {"opportunity_id": "OPP-4", "name": "Di Ox", "status": "won", "amount": Decimal("2000000000.00"),
         "close_date": dt.date(2017, 5, 1), "currency": "EUR", "stage": "imported", LINE: 5},
    ]


def test_distinct_turns_a_roster_into_one_row_per_office(tmp_path: Path) -> None:
    path = write(tmp_path / "teams.csv", "agent,office\nA,East\nB,East\nC,West\n")
    spec = mapping("entity: office\ndistinct: true\nfields: {office_id: office}")

    mapped = apply_mapping(spec, read_rows(path))

    assert mapped.frame.to_dicts() == [{"office_id": "East", LINE: 2}, {"office_id": "West", LINE: 4}]


def test_mapped_columns_that_the_file_lacks_are_reported_once(tmp_path: Path) -> None:
    path = write(tmp_path / "x.csv", "id,name\n1,a\n")
    spec = mapping("entity: payee\n"
                   "fields: {payee_id: id, name: Full Name, email: {template: '{Full Name}@x'}}")

    mapped = apply_mapping(spec, read_rows(path))

    assert [(i.code, i.source.column, i.source.line) for i in mapped.issues] == [("IMP005", "Full Name", 1)]


def test_without_a_mapping_headers_must_be_field_names(tmp_path: Path) -> None:
    rows = read_rows(write(tmp_path / "payee.csv", "payee_id,full_name\nE1,Ana\n"))

    mapped = identity_mapping(ENTITIES["payee"], rows)

    assert [(i.code, i.source.column) for i in mapped.issues] == [("IMP006", "full_name"), ("IMP005", "name")]


@pytest.mark.parametrize(("text", "needle"), [
    ("entity: deal\nfields: {id: x}", "unknown entity 'deal'"),
    ("entity: payee\nfields: {payee_id: {column: a, constant: b}}", "exactly one of"),
    ("entity: payee\nfields: {salary: x}", "payee has no field(s) salary"),
    ("entity: payee\nfields: [", "cannot read the mapping"),
])
def test_bad_mapping_files_are_imp003(tmp_path: Path, text: str, needle: str) -> None:
    with pytest.raises(MappingError) as error:
        load_mapping(write(tmp_path / "m.yaml", text))
    assert error.value.issues[0].code == "IMP003"
    assert needle in error.value.issues[0].message


def test_yaml_scalars_are_kept_as_the_author_wrote_them() -> None:
    spec = mapping("entity: team_member\nfields: {team_id: {constant: 7}, payee_id: p, "
                   "valid_from: {constant: 2016-01-01}}\n")
    assert spec.source("valid_from").constant == "2016-01-01"  # type: ignore[union-attr]
    assert spec.source("team_id").constant == "7"  # type: ignore[union-attr]


def test_every_shipped_mapping_file_loads() -> None:
    files = sorted((ROOT / "examples").rglob("mappings/*.yaml"))
    assert len(files) >= 15
    for path in files:
        load_mapping(path)


# -- validation without a database --------------------------------------------------------------


def test_activity_timestamps_and_three_decimal_currencies(tmp_path: Path) -> None:
    path = write(tmp_path / "activity.csv",
                 "activity_id,payee_id,kind,occurred_at,duration_minutes\n"
                 "A1,P1,call,2017-03-01 09:15:00,10\n"
                 "A2,P1,call,2017-03-01T09:15,\n"
                 "A3,P1,call,yesterday,5\n"
                 "A4,P1,call,2017-03-02,5\n")
    checked = validate(identity_mapping(ENTITIES["activity"], read_rows(path)), ENTITIES["activity"],
                       known=lambda entity: __import__("polars").Series(["P1"]))

    assert [(i.source.line, i.code) for i in checked.issues] == [(4, "IMP011")]
    stamps = checked.table.column("occurred_at").to_pylist()
    assert stamps[0] == dt.datetime(2017, 3, 1, 9, 15, tzinfo=dt.UTC)
    assert stamps[3] == dt.datetime(2017, 3, 2, tzinfo=dt.UTC)


def test_money_limits(tmp_path: Path) -> None:
    path = write(tmp_path / "product.csv",
                 "product_id,list_price,currency\n"
                 "A,1.0005,KWD\nB,100,JPY\nC,100.10,JPY\nD,12345678901234567,USD\nE,1.50,usd\n"
                 "F,1.005,KWD\nG,1.005,USD\nH,\"1,234.5670\",bhd\n")
    checked = validate(identity_mapping(ENTITIES["product"], read_rows(path)), ENTITIES["product"])

    assert [(i.source.line, i.code) for i in checked.issues] == [
        (2, "IMP017"), (4, "IMP017"), (5, "IMP012"), (8, "IMP017")]
    assert checked.issues[0].message == "list_price 1.0005 has more decimals than KWD allows (3)"
    assert checked.issues[3].message == "list_price 1.005 has more decimals than USD allows (2)"
    assert checked.table.column("currency").to_pylist()[4] == "USD"
    prices = checked.table.column("list_price").to_pylist()
    assert (prices[5], prices[7]) == (Decimal("1.005"), Decimal("1234.567"))  # fils kept, not cut to 1.00


def test_every_imp_code_is_registered_and_documented() -> None:
    import attain.ingest.codes  # noqa: F401  (registers the codes)

    documented = (ROOT / "docs" / "errors.md").read_text()
    imp = sorted(code for code in CATALOG if code.startswith("IMP"))
    assert len(imp) >= 25
    assert [code for code in imp if f"`{code}`" not in documented] == []
