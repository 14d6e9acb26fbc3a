"""The fields a plan formula may name, with their types: the ``credits`` view and transaction filters.

``CREDIT_FIELDS`` are exactly the columns of the ``credits`` view the engine builds (documented in
``attain.components.base``). Crediting-rule transaction filters run before credits exist, so they
see ``TRANSACTION_FIELDS``: the same catalog without the credit-only fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from attain.plans.expr import FieldType

N, M, T, D, B = FieldType.NUMBER, FieldType.MONEY, FieldType.TEXT, FieldType.DATE, FieldType.BOOL

_TRANSACTION: dict[str, FieldType] = {
    "transaction_id": T,
    "date": D,
    "kind": T,
    "is_reversal": B,
    "amount": M,
    "quantity": N,
    "currency": T,
    "account_id": T,
    "product_id": T,
    "owner_id": T,
    "opportunity_id": T,
    "territory_id": T,
    "reverses_id": T,
    "contract_term_months": N,
    "product_name": T,
    "product_family": T,
    "product_series": T,
    "product_list_price": M,
    "account_sector": T,
    "account_segment": T,
    "account_country": T,
    "account_employees": N,
    "account_annual_revenue": M,
    "attributes": T,
    "source_file": T,
    "source_line": N,
}

CREDIT_ONLY: frozenset[str] = frozenset(
    {
        "credit_id",
        "payee_id",
        "rule_id",
        "rule_kind",
        "share",
        "level",
        "credit",
        "period_label",
        "period_start",
        "period_end",
        "period_index",
        "year_label",
        "year_start",
    }
)

_CREDIT: dict[str, FieldType] = {
    "credit_id": N,
    "payee_id": T,
    "rule_id": T,
    "rule_kind": T,
    "share": N,
    "level": N,
    "credit": M,
    **_TRANSACTION,
    "period_label": T,
    "period_start": D,
    "period_end": D,
    "period_index": N,
    "year_label": T,
    "year_start": D,
}

CREDIT_FIELDS: Mapping[str, FieldType] = MappingProxyType(_CREDIT)
"""Fields of a credit row (measure filters, component filters/conditions, amount formulas)."""

TRANSACTION_FIELDS: Mapping[str, FieldType] = MappingProxyType(
    {name: kind for name, kind in _CREDIT.items() if name not in CREDIT_ONLY}
)
"""Fields of a transaction row (crediting-rule ``transactions``/``amount``/``products`` formulas)."""
