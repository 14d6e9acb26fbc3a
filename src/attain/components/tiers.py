"""The tier curve F(x): one exact SQL CASE over the tiers, and the same curve in Python (Decimal).

A tier table (docs/calculation.md, "Tier curve") is turned once, at SQL-build time, into a
``TierCurve``: per tier its bounds, its own rating (hybrid tables) and the value of the curve at
its lower bound, F(lo_i), precomputed with Decimal. With ``basis: attainment`` the bounds are
fractions of the prorated quota q, so F(lo_i) = P_i + Q_i × q: ``fixed_at_lo`` (P, from
interpolated tiers' amounts) and ``per_quota_at_lo`` (Q, from rates × bound fractions).

Rounding points are fixed and identical in SQL and Python: constants are kept at 10 places, every
product is cast back to 10 places (half away from zero, the DECIMAL cast rule; in SQL through
``Dialect.mul``, which multiplies by a constant at narrow decimal types when it can) and the only
division (interpolated tiers) is ``Dialect.exact_div``. ``curve_value`` mirrors ``curve_sql``
step by step; a property test holds them equal for random tables and values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

from attain.core.money import CALC_QUANTUM
from attain.plans.dialect import Dialect
from attain.plans.schema import Boundary, Rating, Tier

ZERO = Decimal(0)


def q10(value: Decimal) -> Decimal:
    """Keep a value at the calculation scale, half away from zero (the DECIMAL cast rule)."""
    return value.quantize(CALC_QUANTUM, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CurveTier:
    """One tier as the curve uses it: bounds, effective rating, rate/amount and F(lo)."""

    index: int  # 1-based
    lo: Decimal
    hi: Decimal | None
    rating: Rating  # effective: an interpolated tier without amount is rated marginally
    rate: Decimal  # marginal/retroactive rate; interpolated: amount ÷ width (display only)
    amount: Decimal | None  # interpolated tiers: amount paid for the whole tier
    fixed_at_lo: Decimal  # P_i: the part of F(lo_i) that does not scale with the quota
    per_quota_at_lo: Decimal  # Q_i: the part of F(lo_i) that scales with the quota

    @property
    def width(self) -> Decimal:
        if self.hi is None:
            raise ValueError("an open tier has no width")
        return self.hi - self.lo


@dataclass(frozen=True)
class TierCurve:
    """A validated tier table ready to evaluate (Python) or render (SQL)."""

    tiers: tuple[CurveTier, ...]
    boundary: Boundary

    @classmethod
    def of(
        cls, tiers: Sequence[Tier], rating: Rating = Rating.MARGINAL, boundary: Boundary = Boundary.HIGHER
    ) -> TierCurve:
        built: list[CurveTier] = []
        for index, tier in enumerate(tiers, start=1):
            built.append(_curve_tier(index, tier, rating, built[-1] if built else None))
        if not built:
            raise ValueError("a tier table needs at least one tier")
        return cls(tuple(built), boundary)

    @property
    def all_marginal(self) -> bool:
        return all(t.rating is Rating.MARGINAL for t in self.tiers)


def _curve_tier(index: int, tier: Tier, default: Rating, prev: CurveTier | None) -> CurveTier:
    rating = tier.rating or default
    lo = q10(tier.from_)
    hi = None if tier.to is None else q10(tier.to)
    amount = None if tier.amount is None else q10(tier.amount)
    if rating is Rating.INTERPOLATED and (amount is None or hi is None):
        rating = Rating.MARGINAL  # open last tier of an interpolated table: paid at its rate
    if rating is Rating.INTERPOLATED:
        assert amount is not None and hi is not None
        with localcontext() as ctx:
            ctx.prec = 80
            rate = q10(amount / (hi - lo))
    elif tier.rate is None:
        raise ValueError(f"tier {index} has no rate")
    else:
        rate = q10(tier.rate)
    fixed, per_quota = _value_at(prev, lo)
    return CurveTier(index, lo, hi, rating, rate, amount, fixed, per_quota)


def _value_at(prev: CurveTier | None, lo: Decimal) -> tuple[Decimal, Decimal]:
    """F(lo) as (P, Q): the previous tier's formula evaluated at this tier's lower bound."""
    if prev is None:
        return ZERO, ZERO
    with localcontext() as ctx:
        ctx.prec = 80
        if prev.rating is Rating.MARGINAL:
            return prev.fixed_at_lo, q10(prev.per_quota_at_lo + prev.rate * (lo - prev.lo))
        if prev.rating is Rating.RETROACTIVE:
            return ZERO, q10(prev.rate * lo)
        assert prev.amount is not None
        return q10(prev.fixed_at_lo + prev.amount), prev.per_quota_at_lo


def as_curve(
    tiers: Sequence[Tier] | TierCurve, rating: Rating = Rating.MARGINAL, boundary: Boundary = Boundary.HIGHER
) -> TierCurve:
    return tiers if isinstance(tiers, TierCurve) else TierCurve.of(tiers, rating, boundary)


# ------------------------------------------------------------------------------------------------
# Python (reference) evaluation
# ------------------------------------------------------------------------------------------------


def _div(a: Decimal, b: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 80
        return q10(a / b)


def _mul(a: Decimal, b: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 80
        return q10(a * b)


def _scaled(value: Decimal, quota: Decimal | None) -> Decimal:
    return value if quota is None else _mul(value, quota)


def tier_of(curve: TierCurve, x: Decimal, quota: Decimal | None = None) -> CurveTier | None:
    """The tier x falls in (negative x: the first tier), or None below the first tier."""
    if x < 0:
        return curve.tiers[0]
    higher = curve.boundary is Boundary.HIGHER
    for tier in reversed(curve.tiers):
        lo = _scaled(tier.lo, quota)
        if x > lo or (higher and x == lo):
            return tier
    return None


def curve_value(
    tiers: Sequence[Tier] | TierCurve,
    x: Decimal,
    rating: Rating = Rating.MARGINAL,
    boundary: Boundary = Boundary.HIGHER,
    quota: Decimal | None = None,
) -> Decimal:
    """F(x) exactly as ``curve_sql`` computes it (``quota``: attainment-basis bounds × quota)."""
    curve = as_curve(tiers, rating, boundary)
    x = q10(x)
    tier = tier_of(curve, x, quota)
    if tier is None:
        return ZERO
    if x < 0:
        if tier.rating is Rating.INTERPOLATED:
            return _div(_mul(_amount(tier), x), _scaled(tier.width, quota))
        return _mul(tier.rate, x)
    if tier.rating is Rating.RETROACTIVE:
        return _mul(tier.rate, x)
    at_lo = tier.fixed_at_lo + _scaled(tier.per_quota_at_lo, quota)
    into = x - _scaled(tier.lo, quota)
    if tier.rating is Rating.INTERPOLATED:
        return at_lo + _div(_mul(_amount(tier), into), _scaled(tier.width, quota))
    return at_lo + _mul(tier.rate, into)


def _amount(tier: CurveTier) -> Decimal:
    assert tier.amount is not None
    return tier.amount


def distance_to_next_tier(
    tiers: Sequence[Tier] | TierCurve,
    x: Decimal,
    rating: Rating = Rating.MARGINAL,
    boundary: Boundary = Boundary.HIGHER,
    quota: Decimal | None = None,
) -> Decimal | None:
    """How much more basis reaches the next tier (None in the last tier). With ``boundary: lower``
    the next tier starts just above its bound, so the distance is to reach and pass it."""
    curve = as_curve(tiers, rating, boundary)
    tier = tier_of(curve, q10(x), quota)
    following = curve.tiers[0] if tier is None else (
        curve.tiers[tier.index] if tier.index < len(curve.tiers) else None
    )
    if following is None:
        return None
    return _scaled(following.lo, quota) - q10(x)


# ------------------------------------------------------------------------------------------------
# SQL
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CurveSql:
    """Renders the curve over a SQL value ``x`` (and an optional quota expression) in one dialect."""

    curve: TierCurve
    dialect: Dialect
    quota: str | None = None  # SQL of the prorated quota (attainment-basis bounds), else None
    scaled_columns: Mapping[Decimal, str] | None = None
    """SQL columns already holding ``Dialect.mul(quota, value)`` for the values of
    ``quota_multiples()``: computed once per payee-period instead of once per credit row."""

    def _const(self, value: Decimal) -> str:
        return self.dialect.decimal(value)

    def _mul(self, value: Decimal, x: str) -> str:
        """A constant (rate, amount, bound) × a SQL amount, back at 10 places (``Dialect.mul``)."""
        return self.dialect.mul(x, value)

    def quota_multiples(self) -> list[Decimal]:
        """The constants an attainment-basis curve multiplies by the quota: bounds, widths, F(lo)."""
        found: set[Decimal] = set()
        for t in self.curve.tiers:
            found |= {t.lo, t.per_quota_at_lo}
            if t.hi is not None:
                found |= {t.hi, t.width}
        return sorted(found)

    def _by_quota(self, value: Decimal) -> str:
        assert self.quota is not None
        if self.scaled_columns is not None and value in self.scaled_columns:
            return self.scaled_columns[value]
        return self._mul(value, self.quota)

    def scaled(self, value: Decimal) -> str:
        """A bound (or width) as an amount: itself, or × quota for attainment-basis tables."""
        return self._const(value) if self.quota is None else self._by_quota(value)

    def _at_lo(self, tier: CurveTier) -> str:
        if self.quota is None:
            return self._const(tier.fixed_at_lo + tier.per_quota_at_lo)
        per_quota = self._by_quota(tier.per_quota_at_lo)
        return f"({self._const(tier.fixed_at_lo)} + {per_quota})"

    def _formula(self, tier: CurveTier, x: str) -> str:
        if tier.rating is Rating.RETROACTIVE:
            return self._mul(tier.rate, x)
        into = f"(({x}) - {self.scaled(tier.lo)})"
        if tier.rating is Rating.INTERPOLATED:
            paid = self._mul(_amount(tier), into)
            part = self.dialect.exact_div(paid, self.scaled(tier.width))
            return f"({self._at_lo(tier)} + {part})"
        return f"({self._at_lo(tier)} + {self._mul(tier.rate, into)})"

    def _negative(self, x: str) -> str:
        first = self.curve.tiers[0]
        if first.rating is Rating.INTERPOLATED:
            paid = self._mul(_amount(first), x)
            return self.dialect.exact_div(paid, self.scaled(first.width))
        return self._mul(first.rate, x)

    def _cases(self, x: str, value: Callable[[CurveTier], str], negative: str, below: str) -> str:
        op = ">=" if self.curve.boundary is Boundary.HIGHER else ">"
        whens = [f"WHEN ({x}) < 0 THEN {negative}"]
        whens += [f"WHEN ({x}) {op} {self.scaled(t.lo)} THEN {value(t)}" for t in reversed(self.curve.tiers)]
        return f"(CASE {' '.join(whens)} ELSE {below} END)"

    def by_tier(self, x: str, value: Callable[[CurveTier], str]) -> str:
        """A SQL value chosen by the tier x falls in (the first tier's for negative x, else NULL)."""
        return self._cases(x, value, value(self.curve.tiers[0]), "NULL")

    def value(self, x: str) -> str:
        """F(x) as DECIMAL(38, 10)."""
        return self.dialect.calc(
            self._cases(x, lambda t: self._formula(t, x), self._negative(x), self._const(ZERO))
        )

    def tier_index(self, x: str) -> str:
        """The 1-based tier x falls in (1 for negative x), NULL below the first tier."""
        return self._cases(x, lambda t: str(t.index), "1", "NULL")

    def tier_rate(self, x: str) -> str:
        """The rate of the tier x falls in (interpolated: amount ÷ width, display only)."""
        return self._cases(x, lambda t: self._const(t.rate), self._const(self.curve.tiers[0].rate), "NULL")

    def slices_text(
        self, before: str, after: str, money: Callable[[str], str], percent: Callable[[Decimal], str]
    ) -> str:
        """'500.00 at 1% + 1,000.00 at 2%': how a move before → after splits over marginal tiers."""
        low, high = f"LEAST({before}, {after})", f"GREATEST({before}, {after})"
        parts = []
        for t in self.curve.tiers:
            start = low if (t.index == 1 and t.lo == 0) else f"GREATEST({low}, {self.scaled(t.lo)})"
            end = high if t.hi is None else f"LEAST({high}, {self.scaled(t.hi)})"
            size = f"({end} - {start})"
            signed = f"(CASE WHEN ({after}) < ({before}) THEN -{size} ELSE {size} END)"
            parts.append(
                f"(CASE WHEN {size} > 0 THEN concat({money(signed)}, ' at ', "
                f"{self.dialect.string(percent(t.rate))}) END)"
            )
        return f"concat_ws(' + ', {', '.join(parts)})"


def curve_sql(
    tiers: Sequence[Tier] | TierCurve,
    x: str,
    dialect: Dialect,
    rating: Rating = Rating.MARGINAL,
    boundary: Boundary = Boundary.HIGHER,
    quota: str | None = None,
) -> str:
    """F(x) as an exact SQL expression (``quota``: SQL of the quota for attainment-basis bounds)."""
    return CurveSql(as_curve(tiers, rating, boundary), dialect, quota).value(x)
