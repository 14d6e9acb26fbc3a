"""File mode of the pay stage: plan files + a data folder -> earnings for the whole window -> payouts.

Besides the entity files, the folder may hold ``adjustment.csv`` (adjustment_id, payee_id,
period_label, amount, currency, reason): approved manual adjustments.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from attain.engine import CalcOptions, CalcResult, calculate, load_folder
from attain.engine.filemode import load_plan
from attain.engine.inputs import InputTables
from attain.payouts.ledger import ADJUSTMENT_SCHEMA, Ledger, PayResult, empty_adjustments
from attain.payouts.periods import pay_window
from attain.payouts.stage import pay
from attain.plans.schema import PlanDocument


def read_adjustments(path: Path) -> pa.Table:
    """adjustment.csv as the pay stage's adjustment table (exact decimals); empty when absent."""
    if not path.exists():
        return empty_adjustments()
    types = {f.name: pa.string() for f in ADJUSTMENT_SCHEMA}
    raw = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types=types))
    return raw.select(ADJUSTMENT_SCHEMA.names).cast(ADJUSTMENT_SCHEMA)


def calculate_and_pay(inputs: InputTables, plans: list[PlanDocument], periods: list[str], *,
                      ledger: Ledger | None = None, adjustments: pa.Table | None = None,
                      options: CalcOptions | None = None) -> tuple[CalcResult, PayResult]:
    """Earnings for every period of the pay window (fiscal year start .. last period), then payouts."""
    window = pay_window(plans, periods)
    result = calculate(inputs, plans, window.labels, options)
    options = options or CalcOptions()
    paid = pay(result, plans, inputs, periods, ledger=ledger, adjustments=adjustments,
               threads=options.threads, memory_limit=options.memory_limit)
    return result, paid


def pay_folder(plan_paths: list[Path], data_dir: Path, periods: list[str],
               ledger: Ledger | None = None) -> tuple[CalcResult, PayResult]:
    """Load plans and the folder's entity files (and adjustment.csv), calculate and pay."""
    plans = [load_plan(Path(p)) for p in plan_paths]
    inputs = load_folder(Path(data_dir))
    return calculate_and_pay(inputs, plans, periods, ledger=ledger,
                             adjustments=read_adjustments(Path(data_dir) / "adjustment.csv"))
