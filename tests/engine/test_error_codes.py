"""Every code the engine, crediting and explain layers register is in docs/errors.md with its meaning."""

from __future__ import annotations

import importlib
from pathlib import Path

from attain.core.errors import CATALOG

DOC = Path(__file__).resolve().parents[2] / "docs" / "errors.md"
MODULES = (
    "attain.engine.inputs",
    "attain.crediting.checks",
    "attain.engine.plans",
    "attain.engine.formulas",
    "attain.engine.earn_stage",
    "attain.engine.filemode",
    "attain.services.calc",
    "attain.explain.statement",
)
OURS = ("CALC00", "CALC01", "CALC02", "CALC08", "CALC09")


def test_engine_codes_are_documented_with_their_meaning():
    for name in MODULES:
        importlib.import_module(name)
    text = DOC.read_text()
    ours = {code: meaning for code, meaning in CATALOG.items() if code.startswith(OURS)}
    assert len(ours) >= 18
    missing = [code for code, meaning in ours.items() if f"| {code} |" not in text or meaning not in text]
    assert missing == []
