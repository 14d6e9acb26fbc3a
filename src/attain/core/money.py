"""Exact money: Decimal amounts with a currency, and the one rounding policy of Attain.

Rounding policy (see docs/decisions/0002-money-and-rounding.md):
- every calculated amount is kept unrounded at ``CALC_SCALE`` decimal places;
- the amount that is paid (a payout line) is rounded half-even to the currency's minor unit,
  and the unrounded amount is kept beside it.
A float never touches money: constructing Money from a float is an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

CALC_SCALE = 10
"""Decimal places kept on unrounded intermediate amounts (credits, earnings before rounding)."""

CALC_QUANTUM = Decimal(1).scaleb(-CALC_SCALE)

MINOR_UNITS: dict[str, int] = {
    "USD": 2, "EUR": 2, "GBP": 2, "CAD": 2, "AUD": 2, "CHF": 2, "SEK": 2, "NOK": 2, "DKK": 2,
    "PLN": 2, "CZK": 2, "HUF": 2, "INR": 2, "CNY": 2, "HKD": 2, "SGD": 2, "NZD": 2, "MXN": 2,
    "BRL": 2, "ZAR": 2, "ILS": 2, "AED": 2, "SAR": 2, "TRY": 2, "KES": 2, "PHP": 2, "THB": 2,
    "JPY": 0, "KRW": 0, "CLP": 0, "ISK": 0, "VND": 0,
    "BHD": 3, "KWD": 3, "JOD": 3, "OMR": 3, "TND": 3,
}
"""ISO 4217 currencies Attain knows, with their minor units (decimal places paid)."""


class MoneyError(ValueError):
    """An amount or currency that cannot be money."""


def is_currency(code: str) -> bool:
    """True when ``code`` is an ISO 4217 code Attain knows."""
    return code in MINOR_UNITS


def to_decimal(value: object) -> Decimal:
    """Parse an exact decimal from a str, int or Decimal; refuse floats and garbage."""
    if isinstance(value, bool) or isinstance(value, float):
        raise MoneyError(f"refusing inexact value {value!r}: money must be given as text or Decimal")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        text = value.strip().replace(",", "").replace("_", "")
        try:
            result = Decimal(text)
        except InvalidOperation as exc:
            raise MoneyError(f"not a number: {value!r}") from exc
    else:
        raise MoneyError(f"not a number: {value!r}")
    if not result.is_finite():
        raise MoneyError(f"not a finite number: {value!r}")
    return result


def quantize_calc(amount: Decimal) -> Decimal:
    """Keep an intermediate amount at the calculation scale (half-even)."""
    return amount.quantize(CALC_QUANTUM, rounding=ROUND_HALF_EVEN)


def minor_unit(currency: str | None) -> int:
    """Decimals of the currency's minor unit (KWD 3, JPY 0); 2 for a currency not given or not known."""
    return MINOR_UNITS.get(currency or "", 2)


def round_payout(amount: Decimal, currency: str) -> Decimal:
    """Round a paid amount half-even to the currency's minor unit."""
    if currency not in MINOR_UNITS:
        raise MoneyError(f"unknown currency {currency!r}")
    return amount.quantize(Decimal(1).scaleb(-MINOR_UNITS[currency]), rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount in one currency."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise MoneyError(f"Money amount must be a Decimal, got {type(self.amount).__name__}")
        if self.currency not in MINOR_UNITS:
            raise MoneyError(f"unknown currency {self.currency!r}")

    @classmethod
    def of(cls, amount: object, currency: str = "USD") -> Money:
        return cls(to_decimal(amount), currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise MoneyError(f"cannot combine {self.currency} and {other.currency} without an FX rate")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def times(self, factor: Decimal) -> Money:
        return Money(self.amount * factor, self.currency)

    def rounded(self) -> Money:
        return Money(round_payout(self.amount, self.currency), self.currency)

    def __str__(self) -> str:
        return f"{self.amount:,} {self.currency}"
