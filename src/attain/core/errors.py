"""Errors as data: a stable code, a severity, the record and source it is about, a plain message.

Every layer reports problems as ``Issue`` values (never by crashing, never by silently using zero).
The code catalog is ``CATALOG``; docs/errors.md documents every code. Codes are grouped by prefix:
IMP (import), PLAN (plan documents), CALC (calculation), PAY (payouts), AUTH (access), DB (store).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    """How bad an issue is: an error stops the import/run; a warning is reported and carried on."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Source:
    """Where a record came from: a file and line (1-based, header is line 1) or a system and id."""

    file: str | None = None
    line: int | None = None
    column: str | None = None
    system: str | None = None
    external_id: str | None = None

    def __str__(self) -> str:
        if self.file is not None:
            where = self.file if self.line is None else f"{self.file}:{self.line}"
            return where if self.column is None else f"{where} [{self.column}]"
        if self.system is not None:
            return f"{self.system}:{self.external_id}"
        return "<unknown source>"


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in input, a plan or a calculation."""

    code: str
    message: str
    severity: Severity = Severity.ERROR
    source: Source = field(default_factory=Source)
    value: str | None = None
    record: str | None = None

    def __str__(self) -> str:
        return f"{self.source}: [{self.code}] {self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


class AttainError(Exception):
    """Raised at an edge when a use case cannot go on; carries the issues that stopped it."""

    def __init__(self, message: str, issues: list[Issue] | None = None, code: str = "ATTAIN000"):
        super().__init__(message)
        self.code = code
        self.issues = list(issues or [])


CATALOG: dict[str, str] = {}
"""Every stable error code Attain can report, with a one-line meaning (filled by ``register``)."""


def register(code: str, meaning: str) -> str:
    """Declare an error code once, at import time of the module that reports it."""
    existing = CATALOG.get(code)
    if existing is not None and existing != meaning:
        raise ValueError(f"error code {code} registered twice with different meanings")
    CATALOG[code] = meaning
    return code
