"""benchmarks/reference_bench.py on a tiny synthetic company: it runs end to end, times both sides,
and the reference oracle and the engine agree to the cent on every component total.

Not a timed test: the figures (docs/engine.md, "Reference oracle") come from the script on a
100k sample. This keeps the script working as the engine and the oracle change.
"""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_reference_bench_agrees_with_the_engine_on_a_small_company(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "reference_bench.py"),
         "--transactions", "600", "--payees", "12", "--data", str(tmp_path)],
        capture_output=True, text=True, cwd=ROOT, timeout=600, check=False,
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["transactions"] == 600
    assert figures["payees"] == 12
    assert figures["component_totals"] > 0
    assert Decimal(figures["oracle_amount_total"]) > 0  # the agreement is about real money
    assert figures["disagreements"] == 0, figures["first_disagreements"]
    assert figures["oracle_cpu_seconds"] >= 0 and figures["engine_cpu_seconds"] > 0
