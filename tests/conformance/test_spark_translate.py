"""DuckDB-only meanings in the stages' SQL are rewritten for Spark, quoted text untouched.

Pure text tests (no Spark); the equality of the results is tests/conformance's other files' job,
and ``test_rewritten_functions_mean_what_duckdb_means`` checks the rewrites on Spark itself.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest

from attain.engine.executors.spark import SparkExecutor
from attain.engine.executors.spark_translate import spark_sql
from tests.conformance.conftest import spark_options


def test_varchar_becomes_string_outside_quotes_only() -> None:
    sql = "SELECT CAST(x AS VARCHAR) AS a, 'AS VARCHAR' AS b, CAST(y AS varchar(3)) AS c, `VARCHAR` AS d"
    assert spark_sql(sql) == (
        "SELECT CAST(x AS STRING) AS a, 'AS VARCHAR' AS b, CAST(y AS varchar(3)) AS c, `VARCHAR` AS d"
    )


def test_concat_skips_nulls_and_trim_takes_characters_first() -> None:
    sql = "SELECT concat('a', rtrim(rtrim(CAST(x AS VARCHAR), '0'), '.'), ltrim(b, 'x'), 'concat(')"
    assert spark_sql(sql) == (
        "SELECT concat_ws('', 'a', rtrim('.', rtrim('0', CAST(x AS STRING))), ltrim('x', b), 'concat(')"
    )


def test_every_order_by_item_gets_duckdbs_null_order() -> None:
    sql = (
        "SELECT row_number() OVER (PARTITION BY p ORDER BY a DESC, f(b, c) NULLS FIRST "
        "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS n "
        "FROM (SELECT * FROM t ORDER BY k) s "
        "ORDER BY (SELECT max(v) FROM u ORDER BY w), 'ORDER BY x' LIMIT 3"
    )
    assert spark_sql(sql) == (
        "SELECT row_number() OVER (PARTITION BY p ORDER BY a DESC NULLS LAST, f(b, c) NULLS FIRST "
        "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS n "
        "FROM (SELECT * FROM t ORDER BY k NULLS LAST) s "
        "ORDER BY (SELECT max(v) FROM u ORDER BY w NULLS LAST) NULLS LAST, 'ORDER BY x' NULLS LAST LIMIT 3"
    )


def test_unbalanced_sql_is_refused() -> None:
    with pytest.raises(ValueError, match="unbalanced"):
        spark_sql("SELECT concat('a', b")


@pytest.mark.usefixtures("spark_context")
def test_rewritten_functions_mean_what_duckdbs_mean() -> None:
    sql = (
        "SELECT concat('a', NULL, CAST(1.5 AS DECIMAL(38, 10))) AS joined, rtrim('12.500', '0') AS trimmed, "
        "ltrim('xxab', 'x') AS left_trimmed, CAST(DATE '2025-01-02' AS VARCHAR) AS day, "
        "(SELECT list_or_first FROM (SELECT 1 AS list_or_first) o) AS one, "
        "(SELECT CAST(count(*) AS BIGINT) FROM (SELECT x, row_number() OVER (ORDER BY x) AS r "
        "FROM (SELECT CAST(NULL AS INTEGER) AS x UNION ALL SELECT 1) v) w "
        "WHERE x IS NULL AND r = 2) AS nulls_last"
    )
    expected = duckdb.sql(sql).to_arrow_table().to_pylist()
    ex = SparkExecutor.from_options(spark_options())
    try:
        assert ex.fetch(sql).to_pylist() == expected
    finally:
        ex.close()


def test_not_in_a_column_without_nulls_becomes_not_exists() -> None:
    sql = "WHERE (t.o IS NULL OR t.o NOT IN (SELECT o FROM splits)) AND p NOT IN (SELECT p FROM payees)"
    assert spark_sql(sql, {"splits": {"o"}}) == (
        "WHERE (t.o IS NULL OR (NOT EXISTS (SELECT 1 FROM splits AS not_in_rows WHERE not_in_rows.o = t.o) "
        "AND (NULLIF(t.o IS NOT NULL, FALSE) OR NOT EXISTS (SELECT 1 FROM splits)))) "
        "AND p NOT IN (SELECT p FROM payees)"
    )


@pytest.mark.usefixtures("spark_context")
def test_not_in_keeps_its_nulls_on_spark() -> None:
    """x NOT IN (S): NULL when x is NULL and S is not empty, TRUE when S is empty; as a filter too."""
    values = pa.table({"x": pa.array(["a", None, "b"])})
    sql = (
        "SELECT x, x NOT IN (SELECT c FROM full_set) AS in_full, "
        "x NOT IN (SELECT c FROM no_rows) AS in_empty, "
        "(x IS NULL OR x NOT IN (SELECT c FROM full_set)) AS guarded FROM v ORDER BY x"
    )
    tables = {
        "v": values,
        "full_set": pa.table({"c": pa.array(["a"])}),
        "no_rows": pa.table({"c": pa.array([], pa.string())}),
    }
    embedded = duckdb.connect()
    for name, table in tables.items():
        embedded.register(name, table)
    expected = embedded.execute(sql).to_arrow_table().to_pylist()
    ex = SparkExecutor.from_options(spark_options())
    try:
        for name, table in tables.items():
            ex.register(name, table)
        assert "NOT EXISTS" in spark_sql(sql, ex._never_null)
        assert ex.fetch(sql).to_pylist() == expected
    finally:
        ex.close()


@pytest.mark.usefixtures("spark_context")
def test_decimal_text_is_plain_on_both() -> None:
    """A decimal cast to text is plain notation with all its places in both engines (no 1E-7)."""
    sql = (
        "SELECT CAST(CAST('0.0000001' AS DECIMAL(38, 10)) AS VARCHAR) AS tiny, "
        "CAST(CAST(0 AS DECIMAL(38, 10)) AS VARCHAR) AS zero, "
        "CAST(CAST('-12345678.5' AS DECIMAL(38, 10)) AS VARCHAR) AS negative"
    )
    expected = duckdb.sql(sql).to_arrow_table().to_pylist()
    ex = SparkExecutor.from_options(spark_options())
    try:
        assert ex.fetch(sql).to_pylist() == expected
    finally:
        ex.close()
