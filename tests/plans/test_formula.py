"""The formula language: parsing, type checking, SQL compilation and the Python interpreter agree."""

from datetime import date
from decimal import Decimal

import duckdb
import pytest

from attain.plans.formula import (
    CREDIT_FIELDS,
    TRANSACTION_FIELDS,
    Arithmetic,
    Call,
    Compare,
    DateLiteral,
    Field,
    FieldType,
    FormulaError,
    InList,
    Number,
    Text,
    check,
    evaluate,
    fields_of,
    parse,
    to_sql,
)

ROW = {
    "amount": Decimal("1200.50"),
    "quantity": Decimal("3"),
    "product_family": "GTX",
    "date": date(2017, 3, 31),
    "contract_term_months": 24,
    "kind": "booking",
    "is_reversal": False,
    "attributes": '{"region": "EMEA", "tier": 2}',
    "territory_id": None,
}


def _duck(sql: str, row: dict[str, object] = ROW) -> object:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE t (amount DECIMAL(38,10), quantity DECIMAL(38,10), product_family VARCHAR, "
        "date DATE, contract_term_months INTEGER, kind VARCHAR, is_reversal BOOLEAN, attributes VARCHAR, "
        "territory_id VARCHAR)"
    )
    con.execute("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", list(row.values()))
    return con.execute(f"SELECT {sql} FROM t").fetchone()[0]


# --- parsing ---------------------------------------------------------------------------------


def test_a_filter_parses_to_a_typed_tree():
    tree = parse("product_family in ('GTX', 'MG') and amount >= 1000")
    assert tree.op == "and"
    assert tree.left == InList(Field("product_family"), (Text("GTX"), Text("MG")))
    assert tree.right == Compare(">=", Field("amount"), Number(Decimal("1000")))


def test_decimals_are_exact_and_dates_are_dates():
    assert parse("0.1") == Number(Decimal("0.1"))
    assert parse("date('2017-03-31')") == DateLiteral(date(2017, 3, 31))
    assert parse("-2.50") == Number(Decimal("-2.50"))


def test_precedence_multiplication_before_addition():
    assert parse("1 + 2 * 3") == Arithmetic(
        "+", Number(Decimal(1)), Arithmetic("*", Number(Decimal(2)), Number(Decimal(3)))
    )


def test_keywords_do_not_swallow_field_names():
    assert parse("index = 1").left == Field("index")
    assert parse("order_total > 1").left == Field("order_total")
    assert parse("nothing").name == "nothing"


def test_string_quotes_are_doubled():
    assert parse("'O''Brien'") == Text("O'Brien")


@pytest.mark.parametrize(
    ("text", "column", "code"),
    [
        ("amount >", 9, "PLAN100"),
        ("amount # 3", 8, "PLAN100"),
        ("a < b < c", 7, "PLAN100"),
        ("__import__('os').system('rm')", 17, "PLAN100"),
        ("date('2017-02-30')", 6, "PLAN105"),
        ("", 1, "PLAN100"),
        ("amount; DROP TABLE t", 7, "PLAN100"),
    ],
)
def test_syntax_errors_say_where(text, column, code):
    with pytest.raises(FormulaError) as caught:
        parse(text)
    assert (caught.value.code, caught.value.column) == (code, column)


def test_deep_nesting_is_an_error_not_a_crash():
    with pytest.raises(FormulaError):
        parse("(" * 5000 + "1" + ")" * 5000)


# --- type checking ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code", "column"),
    [
        ("amount > 'x'", "PLAN104", 8),
        ("amout > 1", "PLAN101", 1),
        ("credit > 1", "PLAN101", 1),  # a transaction filter cannot see credit fields
        ("foo(amount)", "PLAN102", 1),
        ("if(amount > 1, 2)", "PLAN103", 1),
        ("amount + kind", "PLAN104", 10),
        ("round(amount, 11)", "PLAN105", 15),
        ("round(amount, quantity)", "PLAN105", 15),
        ("attr(kind) = 'x'", "PLAN105", 6),
        ("amount = null", "PLAN105", 10),
        ("kind in ('a', null)", "PLAN105", 15),
        ("year(amount) = 2017", "PLAN104", 6),
        ("is_reversal > false", "PLAN104", 13),
        ("not amount", "PLAN104", 5),
        ("starts_with(product_family, 1)", "PLAN104", 29),
    ],
)
def test_type_errors_are_caught(text, code, column):
    errors = check(parse(text), TRANSACTION_FIELDS)
    assert [(e.code, e.column) for e in errors] == [(code, column)]


def test_every_problem_is_reported_not_only_the_first():
    errors = check(parse("amout > 1 and foo(2) and kind > 3"), TRANSACTION_FIELDS)
    assert [e.code for e in errors] == ["PLAN101", "PLAN102", "PLAN104"]


def test_unknown_field_suggests_the_close_one():
    (error,) = check(parse("product_famly = 'GTX'"), TRANSACTION_FIELDS)
    assert "did you mean 'product_family'" in error.message


def test_expected_result_type():
    assert check(parse("amount * 0.1"), CREDIT_FIELDS, expect=FieldType.BOOL)[0].code == "PLAN104"
    assert check(parse("amount > 1"), CREDIT_FIELDS, expect=FieldType.MONEY)[0].code == "PLAN104"
    assert check(parse("credit * share"), CREDIT_FIELDS, expect=FieldType.MONEY) == []


def test_credit_fields_are_the_credits_view_columns():
    documented = (
        "credit_id transaction_id payee_id rule_id rule_kind share level credit date kind is_reversal amount "
        "quantity currency account_id product_id owner_id opportunity_id territory_id reverses_id "
        "contract_term_months product_name product_family product_series product_list_price account_sector "
        "account_segment account_country account_employees account_annual_revenue attributes period_label "
        "period_start period_end period_index year_label year_start source_file source_line"
    ).split()
    assert sorted(CREDIT_FIELDS) == sorted(documented)
    assert set(TRANSACTION_FIELDS) < set(CREDIT_FIELDS)
    assert "credit" not in TRANSACTION_FIELDS and "payee_id" not in TRANSACTION_FIELDS


def test_fields_of_lists_what_a_formula_reads():
    assert fields_of(parse("amount > 1 and attr('x') = 'y' or kind in (product_family)")) == {
        "amount",
        "attributes",
        "kind",
        "product_family",
    }


# --- SQL and the interpreter ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("amount * 0.05", Decimal("60.025")),
        ("amount / 3", Decimal("400.1666666667")),
        ("2 / 3", Decimal("0.6666666667")),
        ("-2 / 3", Decimal("-0.6666666667")),
        ("amount / 0", None),
        ("round(amount / 7, 2)", Decimal("171.50")),
        ("round(2.5, 0) + round(3.5, 0) + round(-2.5, 0)", Decimal("4")),
        ("contract_term_months >= 24", True),
        ("product_family in ('GTX', 'MG')", True),
        ("product_family not in ('GTX', 'MG')", False),
        ("territory_id = 'T1'", None),
        ("territory_id = 'T1' or true", True),
        ("territory_id = 'T1' and false", False),
        ("not (territory_id = 'T1')", None),
        ("if(territory_id = 'T1', 1, 2)", Decimal(2)),
        ("coalesce(territory_id, 'none')", "none"),
        ("is_null(territory_id)", True),
        ("quarter(date) * 10 + month(date)", Decimal(13)),
        ("year(date) = 2017 and day(date) = 31", True),
        ("days_between(date('2017-01-01'), date)", 89),
        ("upper(kind) = 'BOOKING' and lower('GtX') = 'gtx'", True),
        ("starts_with(product_family, 'GT')", True),
        ("starts_with(product_family, '%')", False),
        ("attr('region')", "EMEA"),
        ("attr('tier')", "2"),
        ("attr('missing')", None),
        ("min(amount, 1000) + max(quantity, 5)", Decimal(1005)),
        ("min(amount, null)", None),
        ("abs(-amount)", Decimal("1200.5")),
        ("kind = 'booking' and not is_reversal", True),
        ("date >= date('2017-03-01') and date <= date('2017-03-31')", True),
        ("amount * 1.5 - quantity * 2 + 0.0000000001", Decimal("1794.7500000001")),
    ],
)
def test_sql_and_interpreter_agree_on_worked_examples(text, expected):
    assert evaluate(text, ROW) == expected
    assert _duck(to_sql(text)) == expected


def test_columns_map_fields_to_sql_and_unknown_fields_are_refused():
    assert to_sql("amount > 1", columns={"amount": 'c."amount"'}).startswith('(c."amount" >')
    with pytest.raises(FormulaError) as caught:
        to_sql("kind = 'x'", columns={"amount": "a"})
    assert caught.value.code == "PLAN101"


def test_injection_is_impossible():
    evil = "kind = 'x''; DROP TABLE t; --'"
    assert _duck(to_sql(evil)) is False
    with pytest.raises(FormulaError) as caught:
        to_sql("attr('a\" || 1') = 'x'")
    assert caught.value.code == "PLAN105"
    assert _duck(to_sql("attr('re.gion') = 'x'")) is None


def test_unknown_function_never_reaches_sql():
    with pytest.raises(FormulaError) as caught:
        to_sql("system('ls')")
    assert caught.value.code == "PLAN102"


def test_division_never_truncates_integers():
    assert _duck(to_sql("contract_term_months / 5")) == Decimal("4.8")
    assert evaluate("contract_term_months / 5", ROW) == Decimal("4.8")


def test_interpreter_refuses_floats():
    with pytest.raises(TypeError):
        evaluate("amount > 1", {"amount": 1.5})


def test_call_tree_keeps_positions():
    tree = parse("amount + round(quantity, 2)")
    assert isinstance(tree.right, Call) and tree.right.pos == 9


def test_the_documented_examples_check_clean():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "plan-language.md").read_text()
    block = doc.split("### 7.7 Examples")[1].split("```")[1]
    formulas = [line for line in block.splitlines() if line.strip()]
    assert len(formulas) >= 8
    for text in formulas:
        assert check(parse(text), CREDIT_FIELDS) == [], text
        assert to_sql(text)


def test_the_documented_function_list_is_the_allow_list():
    from pathlib import Path

    from attain.plans.formula import FUNCTIONS

    doc = (Path(__file__).resolve().parents[2] / "docs" / "plan-language.md").read_text()
    table = doc.split("### 7.5 Functions")[1].split("###")[0]
    for name in FUNCTIONS:
        assert f"`{name}(" in table, name


def test_a_whole_factor_needs_no_rounding_cast():
    sql = to_sql("amount * 12")
    assert sql.count("AS DECIMAL(38, 10)") == 1  # the field only: no cast of the product back
    assert _duck(sql) == evaluate("amount * 12", ROW) == Decimal("14406")
    assert _duck(to_sql("-3 * amount")) == Decimal("-3601.5")
