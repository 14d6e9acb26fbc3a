"""Money per currency in API answers: amounts in two currencies are never added into one number.

A deal can earn under a KWD plan and a USD plan (70.002 KWD and 5.00 USD): its totals are a list with
one entry per currency (``currency_totals``), each at that currency's minor unit. The single-number
fields older clients read (``commission``, ``total``) are kept only when every amount shares one
currency (``one_currency``); with several they are null, never a cross-currency sum.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Decimal

from attain.api.schemas import CurrencyAmount
from attain.core.money import MINOR_UNITS


def at_places(amount: Decimal, currency: str | None) -> Decimal:
    """``amount`` half-even at the currency's minor unit (as a payout line is paid); unchanged when
    the currency is not known (no places are guessed)."""
    places = MINOR_UNITS.get(currency or "")
    if places is None:
        return amount
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


def currency_totals(totals: Mapping[str | None, Decimal]) -> list[CurrencyAmount]:
    """One entry per currency, in the order given, each at its currency's places."""
    return [CurrencyAmount(currency=currency, amount=at_places(amount, currency))
            for currency, amount in totals.items()]


def one_currency(totals: Mapping[str | None, Decimal]) -> tuple[Decimal | None, str | None]:
    """The exact amount and its currency when every amount shares one currency; (None, None) with
    several (or none): a sum across currencies means nothing."""
    if len(totals) != 1:
        return None, None
    ((currency, amount),) = totals.items()
    return amount, currency
