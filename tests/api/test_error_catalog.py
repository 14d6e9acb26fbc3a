"""Every AUTH code the web/API layer registers is documented in docs/errors.md, with its status."""

from __future__ import annotations

import re
from pathlib import Path

import attain.api.app  # noqa: F401  (registers every AUTH code)
from attain.api.problems import status_of
from attain.core.errors import CATALOG

DOC = Path(__file__).resolve().parents[2] / "docs" / "errors.md"


def _auth_rows() -> dict[str, int]:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## AUTH", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(AUTH\d{3})` \| (\d{3}) \|", section, re.M)
    return {code: int(status) for code, status in rows}


def test_every_auth_code_is_documented_with_the_status_the_api_answers() -> None:
    documented = _auth_rows()
    registered = sorted(code for code in CATALOG if code.startswith("AUTH"))
    assert registered == sorted(documented)
    for code in registered:
        assert status_of(code) == documented[code], code
