"""Property: any well-typed formula gives the same value through DuckDB (to_sql) and ``evaluate``."""

from datetime import date, timedelta
from decimal import Decimal

import duckdb
import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from attain.plans.dialect import DUCKDB
from attain.plans.formula import FieldType, check, evaluate, parse, to_sql

FIELDS = {
    "n1": FieldType.NUMBER,
    "n2": FieldType.NUMBER,
    "i1": FieldType.NUMBER,
    "m1": FieldType.MONEY,
    "t1": FieldType.TEXT,
    "t2": FieldType.TEXT,
    "d1": FieldType.DATE,
    "d2": FieldType.DATE,
    "b1": FieldType.BOOL,
    "attributes": FieldType.TEXT,
}
SQL_TYPES = {
    "n1": "DECIMAL(38,10)",
    "n2": "DECIMAL(38,10)",
    "i1": "INTEGER",
    "m1": "DECIMAL(18,2)",
    "t1": "VARCHAR",
    "t2": "VARCHAR",
    "d1": "DATE",
    "d2": "DATE",
    "b1": "BOOLEAN",
    "attributes": "VARCHAR",
}

decimals = st.decimals(min_value=-1000, max_value=1000, places=3, allow_nan=False, allow_infinity=False)
words = st.text(alphabet="abAB'", max_size=3)
days = st.dates(min_value=date(2015, 1, 1), max_value=date(2025, 12, 31))


def _maybe(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(st.none(), strategy, strategy, strategy)


rows = st.fixed_dictionaries(
    {
        "n1": _maybe(decimals),
        "n2": _maybe(decimals),
        "i1": _maybe(st.integers(-50, 50)),
        "m1": _maybe(st.decimals(min_value=-10000, max_value=10000, places=2)),
        "t1": _maybe(words),
        "t2": _maybe(words),
        "d1": _maybe(days),
        "d2": _maybe(days),
        "b1": _maybe(st.booleans()),
        "attributes": _maybe(
            st.dictionaries(st.sampled_from(["k", "j"]), words).map(lambda d: __import__("json").dumps(d))
        ),
    }
)


def _text_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _leaf(kind: str) -> st.SearchStrategy[str]:
    if kind == "num":
        return st.one_of(st.sampled_from(["n1", "n2", "i1", "m1"]), decimals.map(lambda d: f"({d})"))
    if kind == "text":
        return st.one_of(st.sampled_from(["t1", "t2", "attr('k')"]), words.map(_text_literal))
    if kind == "date":
        return st.one_of(st.sampled_from(["d1", "d2"]), days.map(lambda d: f"date('{d.isoformat()}')"))
    return st.one_of(st.sampled_from(["b1", "true", "false"]))


def formulas(kind: str, depth: int) -> st.SearchStrategy[str]:
    """Random well-typed formula text of ``kind`` (num, text, date, bool)."""
    if depth == 0:
        return _leaf(kind)
    sub = {k: formulas(k, depth - 1) for k in ("num", "text", "date", "bool")}
    same, cond = sub[kind], sub["bool"]
    options: list[st.SearchStrategy[str]] = [
        _leaf(kind),
        st.tuples(cond, same, same).map(lambda t: f"if({t[0]}, {t[1]}, {t[2]})"),
        st.tuples(same, same).map(lambda t: f"coalesce({t[0]}, {t[1]})"),
    ]
    if kind in ("num", "text", "date"):
        options.append(
            st.tuples(st.sampled_from(["min", "max"]), same, same).map(lambda t: f"{t[0]}({t[1]}, {t[2]})")
        )
    if kind == "num":
        n, d = sub["num"], sub["date"]
        options += [
            st.tuples(n, st.sampled_from("+-*/"), n).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            n.map(lambda x: f"-({x})"),
            n.map(lambda x: f"abs({x})"),
            st.tuples(n, st.integers(0, 4)).map(lambda t: f"round({t[0]}, {t[1]})"),
            st.tuples(st.sampled_from(["year", "quarter", "month", "day"]), d).map(
                lambda t: f"{t[0]}({t[1]})"
            ),
            st.tuples(d, d).map(lambda t: f"days_between({t[0]}, {t[1]})"),
        ]
    if kind == "text":
        options.append(st.tuples(st.sampled_from(["lower", "upper"]), same).map(lambda t: f"{t[0]}({t[1]})"))
    if kind == "bool":
        ops = st.sampled_from(["=", "==", "!=", "<>", "<", "<=", ">", ">="])
        comparable = st.sampled_from(["num", "text", "date"]).flatmap(
            lambda k: st.tuples(sub[k], ops, sub[k])
        )
        options += [
            comparable.map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(cond, st.sampled_from(["and", "or"]), cond).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            cond.map(lambda x: f"not ({x})"),
            st.sampled_from(["num", "text", "date"])
            .flatmap(lambda k: st.tuples(sub[k], st.booleans(), st.lists(sub[k], min_size=1, max_size=3)))
            .map(lambda t: f"({t[0]} {'not in' if t[1] else 'in'} ({', '.join(t[2])}))"),
            sub["num"].map(lambda x: f"is_null({x})"),
            st.tuples(sub["text"], sub["text"]).map(lambda t: f"starts_with({t[0]}, {t[1]})"),
            st.tuples(sub["bool"], sub["bool"]).map(lambda t: f"(({t[0]}) = ({t[1]}))"),
        ]
    return st.one_of(options)


any_formula = st.sampled_from(["num", "text", "date", "bool"]).flatmap(lambda k: formulas(k, 3))


def _row_sql(row: dict[str, object]) -> str:
    parts = []
    for name, value in row.items():
        if value is None:
            literal = "NULL"
        elif isinstance(value, bool):
            literal = "TRUE" if value else "FALSE"
        elif isinstance(value, Decimal | int):
            literal = DUCKDB.decimal(Decimal(value))
        elif isinstance(value, date):
            literal = DUCKDB.date_literal(value)
        else:
            literal = DUCKDB.string(str(value))
        parts.append(f"CAST({literal} AS {SQL_TYPES[name]}) AS {DUCKDB.ident(name)}")
    return "SELECT " + ", ".join(parts)


@pytest.fixture(scope="module")
def con():
    return duckdb.connect()


@given(text=any_formula, row=rows)
@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
def test_sql_and_interpreter_agree(con, text, row):
    tree = parse(text)
    assert check(tree, FIELDS) == []
    try:
        sql_value = con.execute(f"SELECT {to_sql(tree)} FROM ({_row_sql(row)})").fetchone()[0]
    except duckdb.OutOfRangeException:
        reject()  # DECIMAL(38) overflow of a huge random product: SQL refuses, which is fine
    expected = evaluate(tree, row)
    if isinstance(sql_value, Decimal | int) and not isinstance(sql_value, bool):
        assert isinstance(expected, Decimal | int) and not isinstance(expected, bool), (text, expected)
        assert Decimal(sql_value) == Decimal(expected), (text, row)
    else:
        assert sql_value == expected, (text, row)


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
def test_the_generator_covers_every_function():
    from attain.plans.formula import FUNCTIONS

    seen = " ".join(formulas(k, 2).example() for k in ("num", "text", "bool") for _ in range(60))
    assert {name for name in FUNCTIONS if f"{name}(" in seen} >= {"if", "coalesce", "min", "max"}


def test_dates_roundtrip(con):
    d = date(2016, 2, 29) + timedelta(days=1)
    assert con.execute(f"SELECT {to_sql(parse(f'''date('{d}')'''))}").fetchone()[0] == d


@given(st.text(max_size=60))
@settings(max_examples=300, deadline=None)
def test_any_text_parses_or_gives_a_formula_error(text):
    from attain.plans.formula import FormulaError

    try:
        tree = parse(text)
    except FormulaError as exc:
        assert exc.code in ("PLAN100", "PLAN105") and 0 <= exc.position <= len(text)
        return
    try:
        to_sql(tree)
    except FormulaError as exc:
        assert exc.code in ("PLAN101", "PLAN102", "PLAN103", "PLAN105")


@given(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)
)
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_string_literal_reaches_sql_as_data_never_as_code(con, value):
    formula = "'" + value.replace("'", "''") + "'"
    assert evaluate(formula, {}) == value
    assert con.execute(f"SELECT {to_sql(formula)}").fetchone()[0] == value
