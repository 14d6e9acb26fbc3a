"""The schema is derived from the entity specs, and its decimal type never loses a digit."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import UniqueConstraint

from attain.core.entities import ENTITIES, FieldKind
from attain.store.tables import ENTITY_TABLES, LINEAGE_COLUMNS, metadata
from attain.store.types import DecimalOverflow, ExactDecimal, fit_decimal


@pytest.mark.parametrize("name", sorted(ENTITIES))
def test_each_entity_has_a_table_with_its_fields_key_and_lineage(name: str) -> None:
    spec, table = ENTITIES[name], ENTITY_TABLES[name]
    assert table is metadata.tables[name]
    assert [c.name for c in table.c] == ["id", *spec.names, *LINEAGE_COLUMNS]
    uniques = [tuple(c.name for c in u.columns) for u in table.constraints if isinstance(u, UniqueConstraint)]
    assert uniques == [spec.key]
    for field in spec.fields:
        column = table.c[field.name]
        assert column.nullable is not (field.required or field.name in spec.key)
        expected = {FieldKind.MONEY: (19, 3), FieldKind.DECIMAL: (24, 10)}.get(field.kind)
        if expected is not None:
            assert isinstance(column.type, ExactDecimal)
            assert (column.type.precision, column.type.scale) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (Decimal("1.5"), Decimal("1.50")), (Decimal("-0.10"), Decimal("-0.10")),
    (Decimal("2.000"), Decimal("2.00")), ("12.3", Decimal("12.30")), (7, Decimal("7.00")),
    (Decimal("9999999999999999.99"), Decimal("9999999999999999.99")),
])
def test_decimals_are_kept_at_the_column_scale(value: object, expected: Decimal) -> None:
    assert fit_decimal(value, 18, 2) == expected
    assert str(fit_decimal(value, 18, 2)) == str(expected)


@pytest.mark.parametrize("value", [
    Decimal("1.005"), Decimal("10000000000000000"), 1.5, True, Decimal("NaN"), "abc", None,
])
def test_values_that_would_lose_digits_or_are_not_exact_are_refused(value: object) -> None:
    with pytest.raises(DecimalOverflow):
        fit_decimal(value, 18, 2)


def test_wide_engine_amounts_fit_exactly() -> None:
    wide = Decimal("1234567890123456789012345678.0123456789")  # 38 digits
    assert fit_decimal(wide, 38, 10) == wide
