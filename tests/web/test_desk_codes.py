"""Every DESK code the desk services register is documented in docs/errors.md, and nothing more."""

from __future__ import annotations

import re
from pathlib import Path

import attain.services.adjustments
import attain.services.disputes
import attain.services.jobs
import attain.services.plans  # noqa: F401  (each registers its DESK codes)
from attain.core.errors import CATALOG

DOC = Path(__file__).resolve().parents[2] / "docs" / "errors.md"


def test_every_desk_code_is_documented_once() -> None:
    section = DOC.read_text(encoding="utf-8").split("## DESK", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\| `(DESK\d{3})` \| error \|", section, re.M)
    assert len(documented) == len(set(documented))
    assert sorted(documented) == sorted(code for code in CATALOG if code.startswith("DESK"))
