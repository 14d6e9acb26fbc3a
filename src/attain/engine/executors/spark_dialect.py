"""Spark SQL primitives that compute exactly what the DuckDB ``Dialect`` computes, to the last digit.

The Spark session runs with ANSI mode on (overflow raises, like DuckDB), double-quoted
identifiers, ``spark.sql.decimalOperations.allowPrecisionLoss=false`` (a decimal product keeps its
scale) and the UTC time zone (see ``spark_session``). What differs from DuckDB, and how:

- Spark has no 128-bit integer (HUGEINT): exact division works on DECIMAL(38, 0) integers.
- Spark's decimal ``/`` keeps at most 18 places for a DECIMAL(38) divisor and rounds half up;
  rounding that again to 10 places would round twice. ``exact_div`` instead divides integers by
  long division (each partial quotient is below 10^19, proved at ``_truncated_quotient``) and
  rounds once from the exact remainder.
- ``bround`` is half-even on decimals (exact, BigDecimal), so it is the payout rounding.
- ``EXTRACT`` and ``row_number`` give INT in Spark, BIGINT in DuckDB: date parts are cast to BIGINT.
- String literals take backslash escapes in Spark: a backslash is doubled.
"""

from __future__ import annotations

from decimal import Decimal

from attain.core.money import CALC_SCALE
from attain.plans.dialect import CALC_TYPE, Dialect, _at_calc_scale, _places

INTEGER_TYPE = "DECIMAL(38, 0)"
"""Spark's widest exact integer (DuckDB's HUGEINT stand-in)."""
_SPLIT = 10**19
"""Long division splits the dividend into a high part and a low part of 19 digits."""


class SparkDialect(Dialect):
    """Spark SQL (ANSI mode): the same values as the DuckDB dialect, written with Spark's functions."""

    name = "spark"

    def ident(self, name: str) -> str:
        return "`" + name.replace("`", "``") + "`"

    def string(self, text: str) -> str:
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"

    def date_part(self, part: str, sql: str) -> str:
        return f"CAST({super().date_part(part, sql)} AS BIGINT)"

    def days_between(self, start: str, end: str) -> str:
        return f"CAST(datediff({end}, {start}) AS BIGINT)"

    def json_text(self, json_sql: str, key: str) -> str:
        """The key's text from the object read as a map of strings (any key; numbers as written)."""
        return f"try_element_at(from_json({json_sql}, 'map<string,string>'), {self.string(key)})"

    def mul(self, a: str, b: str | Decimal, a_scale: int = CALC_SCALE) -> str:
        """a × b at 10 places, one exact product rounded once (Spark gains nothing from narrow types:
        its decimal product above 18 digits is a BigDecimal either way)."""
        if not isinstance(b, Decimal):
            return self.calc(f"({a}) * ({b})")
        b = _at_calc_scale(b)
        return self.calc(f"({a}) * CAST('{b:f}' AS DECIMAL(38, {_places(b)}))")

    def _integer(self, sql: str) -> str:
        """A calculation-scale value as an integer count of 10^-10 units (exact)."""
        return (
            f"CAST(CAST({sql} AS {CALC_TYPE}) * CAST({10**CALC_SCALE} AS {INTEGER_TYPE}) AS {INTEGER_TYPE})"
        )

    def _from_integer(self, sql: str) -> str:
        """Back from a count of 10^-10 units to the calculation type (exact)."""
        return f"CAST(CAST({sql} AS {INTEGER_TYPE}) * CAST('1e-{CALC_SCALE}' AS {CALC_TYPE}) AS {CALC_TYPE})"

    def exact_div(self, a: str, b: str) -> str:
        """a ÷ b at 10 places, half away from zero, NULL when b is zero (as the DuckDB dialect).

        N = a·10^20 and D = b·10^10 are integers (|N| < 10^38 is DuckDB's HUGEINT range too);
        the quotient truncated toward zero is Q = trunc(H/D)·10^19 + trunc(M/D) with
        H = trunc(N / 10^19), L = N - H·10^19 and M = (H mod D)·10^19 + L. H mod D and L carry
        N's sign, so both parts truncate the same way; then Q moves one away from zero when the
        remainder N mod D is at least half of D.
        """
        n = f"CAST({self._integer(a)} * CAST({10**CALC_SCALE} AS {INTEGER_TYPE}) AS {INTEGER_TYPE})"
        d = f"NULLIF({self._integer(b)}, CAST(0 AS {INTEGER_TYPE}))"
        split = f"CAST({_SPLIT} AS {INTEGER_TYPE})"
        high = _truncated_quotient(n, split)
        low = f"({n} - {high} * {split})"
        middle = f"CAST(({high} % {d}) * {split} + {low} AS {INTEGER_TYPE})"
        q = f"({_truncated_quotient(high, d)} * {split} + {_truncated_quotient(middle, d)})"
        r = f"abs({n} % {d})"
        away = f"(CASE WHEN ({n} < 0) = ({d} < 0) THEN 1 ELSE -1 END)"
        bump = f"(CASE WHEN {r} >= abs({d}) - {r} THEN {away} ELSE 0 END)"
        return self._from_integer(f"({q} + {bump})")

    def round_half_even(self, x: str, places: int) -> str:
        """Half-even to ``places`` decimals with ``bround`` (exact on decimals)."""
        if not 0 <= places <= CALC_SCALE:
            raise ValueError(f"places must be 0..{CALC_SCALE}")
        return self.calc(f"bround({self.calc(x)}, {places})")


def _truncated_quotient(x: str, d: str) -> str:
    """trunc(x / d) for integers whose quotient is below 10^19 in magnitude (exact).

    x - (x mod d) is a multiple of d, so Spark's decimal division (DECIMAL(38, 18) for two
    DECIMAL(38, 0): 20 integer digits) is exact, and the cast back to an integer cuts nothing.
    In ``exact_div``: |H| < 10^19 and |M| < min(|D|·10^19, 10^38), so both quotients are below 10^19.
    """
    return f"CAST(({x} - {x} % {d}) / {d} AS {INTEGER_TYPE})"


SPARK = SparkDialect()
