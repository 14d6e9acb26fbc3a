"""The real Maven pipeline imported with a naive mapping: the importer's own report shows the problems.

An admin maps sales_pipeline.csv straight onto transactions and opportunities. The import is refused
and the report points at the lines an admin must think about: "GTXPro" is not a product (products.csv
says "GTX Pro"), open deals have no close date or value, and stages are not opportunity statuses.
The mapping files of examples/company/maven fix each of them (value_map, where), with a comment.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import polars as pl
import pytest
import yaml

from attain.ingest.mapping import ColumnMapping
from attain.services.demo import company_folder, dataset_folder
from attain.services.imports import import_file

DATA = dataset_folder()
PIPELINE = DATA / "sales_pipeline.csv"
MAPS = company_folder() / "mappings"

pytestmark = pytest.mark.skipif(not PIPELINE.is_file(), reason=f"Maven dataset not found in {DATA}")

NAIVE_TRANSACTIONS = ColumnMapping.model_validate(yaml.safe_load("""
entity: transaction
fields:
  transaction_id: opportunity_id
  kind: {constant: booking}
  date: close_date
  amount: close_value
  owner_id: sales_agent
  product_id: product
  account_id: account
"""))

NAIVE_OPPORTUNITIES = ColumnMapping.model_validate(yaml.safe_load("""
entity: opportunity
fields:
  opportunity_id: opportunity_id
  owner_id: sales_agent
  product_id: product
  account_id: account
  status: deal_stage
"""))


def lines_where(condition: pl.Expr) -> set[int]:
    """Line numbers (header = 1) of the pipeline rows meeting ``condition``, computed independently."""
    frame = pl.read_csv(PIPELINE, infer_schema=False).with_row_index("i")
    return {i + 2 for i in frame.filter(condition).get_column("i").to_list()}


def load_reference_data(url: str) -> None:
    for entity, source, mapping in (("product", "products.csv", "product.yaml"),
                                    ("account", "accounts.csv", "account.yaml"),
                                    ("office", "sales_teams.csv", "office.yaml"),
                                    ("payee", "sales_teams.csv", "payee-agents.yaml")):
        report = import_file(url, entity, DATA / source, MAPS / mapping)
        assert report.imported, report.issues[:3]


def test_naive_transaction_mapping_is_refused_with_lines_to_fix(migrated_url: str) -> None:
    load_reference_data(migrated_url)

    report = import_file(migrated_url, "transaction", PIPELINE, NAIVE_TRANSACTIONS)

    assert not report.imported
    by_kind = Counter((i.code, i.source.column) for i in report.issues)
    assert by_kind == {("IMP020", "product"): 1480, ("IMP010", "close_date"): 2089,
                       ("IMP010", "close_value"): 2089}
    gtxpro = {i.source.line for i in report.issues if i.code == "IMP020"}
    assert gtxpro == lines_where(pl.col("product") == "GTXPro")
    assert 3 in gtxpro  # Z063OYW0, Darcel Schlecht, GTXPro
    undated = {i.source.line for i in report.issues if i.source.column == "close_date"}
    assert undated == lines_where(pl.col("deal_stage").is_in(["Engaging", "Prospecting"]))
    assert {11, 27, 8302} <= undated  # the first Engaging rows and the first Prospecting row
    first = next(i for i in report.issues if i.source.line == 3)
    assert first.message == "product 'GTXPro' is not a known product (not in the database, not in this file)"


def test_naive_opportunity_mapping_needs_statuses_and_the_product_fix(migrated_url: str) -> None:
    load_reference_data(migrated_url)

    report = import_file(migrated_url, "opportunity", PIPELINE, NAIVE_OPPORTUNITIES)

    codes = Counter(i.code for i in report.issues)
    assert codes == {"IMP016": 8800, "IMP020": 1480}
    line_2 = [i for i in report.issues if i.source.line == 2]
    assert [(i.code, i.value) for i in line_2] == [("IMP016", "Won")]
    assert line_2[0].message == "deal_stage 'Won' is not one of: open, won, lost"


def test_the_shipped_mappings_fix_it(migrated_url: str) -> None:
    load_reference_data(migrated_url)
    opportunities = import_file(migrated_url, "opportunity", PIPELINE, MAPS / "opportunity.yaml")
    bookings = import_file(migrated_url, "transaction", PIPELINE, MAPS / "transaction.yaml")

    assert opportunities.imported and opportunities.created == 8800
    assert bookings.imported and bookings.created == 4238
    assert bookings.rows_read == 8800 and bookings.rows_selected == 4238


def test_mapping_files_are_valid() -> None:
    from attain.ingest.mapping import load_mapping

    for path in sorted(Path(MAPS).glob("*.yaml")):
        assert load_mapping(path).entity in path.stem
