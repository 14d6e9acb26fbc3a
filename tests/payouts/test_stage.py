"""The pay stage on edge cases: missing FX, unknown currencies, unlinkable deals, rules naming unknown
components, and every PAY code documented and used."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from attain.core.errors import CATALOG, AttainError
from attain.core.periods import PeriodKind
from attain.payouts.filemode import pay_folder
from attain.payouts.periods import pay_window
from tests.reference.scenarios import SCENARIOS

ROOT = Path(__file__).resolve().parents[2]


def copy(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(SCENARIOS / name, target)
    return target


def test_a_missing_fx_rate_is_an_error_and_the_line_keeps_its_own_currency(tmp_path: Path) -> None:
    folder = copy("pay_multicurrency", tmp_path)
    (folder / "data" / "fx_rate.csv").write_text(
        "from_currency,to_currency,date,rate\nUSD,EUR,2017-02-01,0.9\n"
    )
    _, paid = pay_folder([folder / "plan.yaml"], folder / "data", ["2017-01", "2017-02"])
    missing = {(i.code, i.record) for i in paid.issues}
    assert ("PAY010", "E/2017-01") in missing and ("PAY010", "J/2017-01") in missing
    january = {r["payee_id"]: r for r in paid.lines.to_pylist() if r["period_label"] == "2017-01"}
    assert january["E"]["currency"] == "USD" and january["E"]["fx_rate"] is None
    february = [r for r in paid.lines.to_pylist() if r["payee_id"] == "E" and r["period_label"] == "2017-02"]
    assert [(r["currency"], str(r["amount_rounded"])) for r in february] == [("EUR", "1800.0000000000")]


def test_unknown_currency_and_unlinkable_deal_are_reported(tmp_path: Path) -> None:
    folder = copy("pay_schedules", tmp_path)
    tx = folder / "data" / "transaction.csv"
    tx.write_text(
        tx.read_text().replace("B1,booking,2017-01-10,10000,P,O1", "B1,booking,2017-01-10,10000,P,")
    )
    payees = folder / "data" / "payee.csv"
    payees.write_text(
        "payee_id,name,currency\nP,Pia Payment,USD\nI,Ivo Installments,XAU\nH,Hal Holdback,USD\n"
    )
    _, paid = pay_folder(sorted(folder.glob("plan*.yaml")), folder / "data", ["2017-01", "2017-02"])
    codes = {(i.code, i.record) for i in paid.issues}
    assert ("PAY020", "B1") in codes  # paid on payment, no opportunity to link a payment to
    assert ("PAY011", "I/2017-01") in codes


def test_rules_naming_unknown_components_are_reported(tmp_path: Path) -> None:
    folder = copy("pay_schedules", tmp_path)
    plan = folder / "plan_c_holdback.yaml"
    plan.write_text(
        plan.read_text().replace("    - id: holdback\n", "    - id: holdback\n      components: [bonus]\n")
    )
    _, paid = pay_folder(sorted(folder.glob("plan*.yaml")), folder / "data", ["2017-01"])
    assert [i.code for i in paid.issues] == ["PAY002"]
    assert "bonus" in paid.issues[0].message


def test_plans_of_one_run_share_a_calendar(tmp_path: Path) -> None:
    from attain.engine.filemode import load_plan

    monthly = load_plan(SCENARIOS / "p6_draws" / "plan.yaml")
    quarterly = monthly.model_copy(update={"plan": "q", "pay_period": PeriodKind.QUARTER})
    with pytest.raises(AttainError) as refused:
        pay_window([monthly, quarterly], ["2017-01"])
    assert refused.value.code == "PAY001"
    window = pay_window([monthly], ["2017-03"])
    assert window.labels == ["2017-01", "2017-02", "2017-03"] and window.requested == {"2017-03"}


def test_every_pay_code_is_documented_and_used() -> None:
    import attain.payouts.codes  # noqa: F401 - registers the codes

    doc = (ROOT / "docs" / "errors.md").read_text().split("## PAY")[1].split("\n## ")[0]
    sources = "".join(p.read_text() for p in (ROOT / "src" / "attain").rglob("*.py") if p.name != "codes.py")
    for code in (c for c in CATALOG if c.startswith("PAY")):
        assert re.search(rf"\| {code} \|", doc), f"{code} is not in docs/errors.md"
        assert code in sources, f"{code} is registered but never reported"
