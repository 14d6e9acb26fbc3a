"""Money on the dashboards, per currency: amounts in two currencies are never added into one number.

Every money figure of the forecast panels is in a currency the data names: a quota in its
``quota.currency``, won revenue and pipeline in their deals' currency, the expected commission in
the currency of the plan whose components earned it. A row or team whose figures share one currency
gets that currency's total at its minor unit (fils for KWD); one with several gets one row per
currency, never a cross-currency sum.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Decimal

from attain.core.money import MINOR_UNITS


class Commissions(dict[str, Decimal]):
    """Expected commission per payee, never added across currencies.

    As a mapping: payee → the exact commission of each payee whose plans earned in **one** currency
    (a payee earning in several is left out: their total would mean nothing). ``by_currency`` has
    every payee: payee → currency → exact commission in it (each component total's currency)."""

    def __init__(self, by_currency: Mapping[str, Mapping[str, Decimal]]) -> None:
        super().__init__({who: next(iter(amounts.values())) for who, amounts in by_currency.items()
                          if len(amounts) == 1})
        self.by_currency = {who: dict(amounts) for who, amounts in by_currency.items()}

    def currencies(self, who: str) -> dict[str, Decimal]:
        """``who``'s commission per currency (empty when they earn nothing)."""
        return dict(self.by_currency.get(who, {}))


def per_currency(commission: Mapping[str, Decimal], who: str) -> dict[str | None, Decimal]:
    """``who``'s commission per currency: from ``Commissions``, else (a plain mapping, whose amounts
    name no currency) the one amount under None."""
    if isinstance(commission, Commissions):
        return {currency: amount for currency, amount in commission.currencies(who).items()}
    return {None: commission[who]} if who in commission else {}


def at_minor_unit(amount: Decimal | None, currency: str | None) -> Decimal | None:
    """``amount`` half-even at ``currency``'s minor unit (as a payout line is paid); unchanged when
    the currency is not known (no places are guessed)."""
    places = MINOR_UNITS.get(currency or "")
    if amount is None or places is None:
        return amount
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
