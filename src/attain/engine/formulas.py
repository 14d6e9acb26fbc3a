"""Plan formulas compiled to the executor's SQL, reading fields from a given table alias."""

from __future__ import annotations

from functools import lru_cache

from attain.core.errors import AttainError, Issue, Source, register
from attain.plans.dialect import Dialect
from attain.plans.fields import CREDIT_FIELDS, TRANSACTION_FIELDS

CALC090 = register("CALC090", "A plan formula cannot be compiled for the calculation")


class FormulaCompiler:
    """Compiles formulas over transaction fields (crediting) or credit fields (measures, components)."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect

    def txn(self, text: str, alias: str) -> str:
        """A formula over transaction fields read from ``alias``."""
        return self._compile(text, alias, "transaction")

    def credit(self, text: str, alias: str | None = None) -> str:
        """A formula over credit-row fields (bare column names when ``alias`` is None)."""
        return self._compile(text, alias, "credit")

    @lru_cache(maxsize=512)  # noqa: B019 - one compiler per run, formulas are few
    def _compile(self, text: str, alias: str | None, over: str) -> str:
        fields = TRANSACTION_FIELDS if over == "transaction" else CREDIT_FIELDS
        columns = {
            name: (f"{alias}.{self.dialect.ident(name)}" if alias else self.dialect.ident(name))
            for name in fields
        }
        try:
            from attain.plans.formula import to_sql
        except ImportError:  # the formula language is not installed: plain field names only
            if text.strip() in columns:
                return columns[text.strip()]
            raise self._error(text, "the formula language is not available") from None
        try:
            return f"({to_sql(text, self.dialect, columns)})"
        except ValueError as exc:
            raise self._error(text, str(exc)) from exc

    def _error(self, text: str, why: str) -> AttainError:
        issue = Issue(CALC090, f"formula {text!r} over {why}", source=Source(system="plan"))
        return AttainError(f"cannot compile formula {text!r}: {why}", [issue], code=CALC090)
