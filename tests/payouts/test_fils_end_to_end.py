"""A Kuwaiti sales team paid to the fils, end to end, on SQLite and PostgreSQL.

The company: Khalid (K1) is paid in Kuwaiti dinars, Uma (U1) in US dollars, both on the ``gulf``
plan (KWD, monthly, 3.5% of bookings). One dinar is 3.2554 dollars. The files go through the
importer, the run through the real engine and pay stage, January is approved and paid, February
is paid against what January paid, and the payroll and ledger files print every amount:

  Khalid, January: 1,000.10 KWD x 3.5% = 35.0035  -> 35.004 KWD (half-even: 3 is odd, goes up)
  Khalid, February: 250.30 KWD x 3.5% =   8.7605  ->  8.760 KWD (half-even: 0 is even, stays),
     paid in a second run that reads January's paid lines back from the store
  Uma, January: 2,000.05 KWD x 3.5% = 70.00175 KWD x 3.2554 = 227.8836969... -> 227.88 USD

The same company with deals in fils (1,000.105 KWD...) is credited and paid to the fils as well.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from attain.services import approvals, exports
from attain.services.access import COMMAND_LINE, Principal
from attain.services.runs import run_payouts
from attain.store.db import reading
from attain.store.tables import ENTITY_TABLES, payout, run_component_total
from attain.web.templating import format_money
from tests.support.store_company import load_csv_company

ADA = Principal(1, "ada", "admin")
FIN = Principal(2, "fin", "finance")
PLAN = """
plan: gulf
version: 1
effective_from: 2017-01-01
currency: KWD
pay_period: month
credit_rules:
  - id: owner
    kind: owner
measures:
  - id: bookings
components:
  - id: commission
    kind: rate
    measure: bookings
    rate: "3.5%"
"""
FILES = {
    "payee": "payee_id,name,currency\nK1,Khalid Kuwait,KWD\nU1,Uma Usd,USD\n",
    "plan_assignment": "payee_id,plan_id,valid_from\nK1,gulf,2017-01-01\nU1,gulf,2017-01-01\n",
    "fx_rate": "from_currency,to_currency,date,rate\nKWD,USD,2016-12-31,3.2554\n",
}


@dataclass(frozen=True)
class Company:
    """Deal amounts and what each payee is paid, to the fils (KWD) or the cent (USD)."""

    deals: tuple[str, str, str]  # K1 in January, K1 in February, U1 in January (KWD)
    k1_january: str
    k1_february: str
    u1_january: str
    u1_january_kwd: str  # Uma's commission in the plan's currency, before FX (the component total)


IN_CENTS = Company(("1000.10", "250.30", "2000.05"), "35.004", "8.760", "227.88", "70.002")
IN_FILS = Company(("1000.105", "250.333", "2000.057"), "35.004", "8.762", "227.88", "70.002")
"""1,000.105 x 3.5% = 35.003675 -> 35.004; 250.333 x 3.5% = 8.761655 -> 8.762; 2,000.057 x 3.5% =
70.001995 -> 70.002 KWD, x 3.2554 = 227.8844... -> 227.88 USD."""


def _load(url: str, folder: Path, company: Company) -> None:
    k1_jan, k1_feb, u1_jan = company.deals
    files = {**FILES, "transaction": (
        "transaction_id,date,amount,currency,owner_id\n"
        f"D1,2017-01-10,{k1_jan},KWD,K1\nD2,2017-02-12,{k1_feb},KWD,K1\nD3,2017-01-20,{u1_jan},KWD,U1\n")}
    load_csv_company(url, folder, files, [("gulf", PLAN)])


def _paid(url: str, run_id: int) -> dict[tuple[str, str], tuple[Decimal, str]]:
    """(payee, period) -> (amount paid as read from the store, currency)."""
    with reading(url) as conn:
        rows = conn.execute(select(payout.c.payee_id, payout.c.period_label, payout.c.amount_rounded,
                                   payout.c.currency).where(payout.c.run_id == run_id)).all()
    return {(p, label): (amount, cur) for p, label, amount, cur in rows}


def _close(url: str, label: str, run_id: int) -> None:
    approvals.submit_for_review(url, ADA, label)
    approvals.decide(url, ADA, label, run_id, approve=True)
    approvals.decide(url, FIN, label, run_id, approve=True)
    approvals.mark_paid(url, FIN, label)


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _run_the_gulf_company(url: str, folder: Path, company: Company) -> None:
    _load(url, folder, company)
    deals = ENTITY_TABLES["transaction"]
    with reading(url) as conn:
        stored = dict(conn.execute(select(deals.c.transaction_id, deals.c.amount)).all())
    assert [stored[t] for t in ("D1", "D2", "D3")] == [Decimal(a) for a in company.deals]

    january = run_payouts(url, periods=["2017-01"], actor="fin")
    assert january.issues == []
    assert _paid(url, january.run_id) == {("K1", "2017-01"): (Decimal(company.k1_january), "KWD"),
                                          ("U1", "2017-01"): (Decimal(company.u1_january), "USD")}
    with reading(url) as conn:
        component = run_component_total.c
        totals = dict(conn.execute(select(component.payee_id, component.amount_rounded)
                                   .where(component.run_id == january.run_id)).all())
    assert totals == {"K1": Decimal(company.k1_january), "U1": Decimal(company.u1_january_kwd)}
    _close(url, "2017-01", january.run_id)

    february = run_payouts(url, periods=["2017-02"], actor="fin")  # against what January paid, exactly
    assert _paid(url, february.run_id) == {("K1", "2017-02"): (Decimal(company.k1_february), "KWD")}
    _close(url, "2017-02", february.run_id)

    written = exports.write_payroll(url, COMMAND_LINE, ["2017-01", "2017-02"], folder / "payroll.csv")
    payroll = [(r["payee_id"], r["period_label"], r["currency"], r["gross_amount"], r["commission"],
                r["draws"]) for r in _csv(folder / "payroll.csv")]
    assert written == 3 and payroll == [
        ("K1", "2017-01", "KWD", company.k1_january, company.k1_january, "0.000"),
        ("U1", "2017-01", "USD", company.u1_january, company.u1_january, "0.00"),
        ("K1", "2017-02", "KWD", company.k1_february, company.k1_february, "0.000"),
    ]
    exports.write_ledger(url, COMMAND_LINE, ["2017-01", "2017-02"], folder / "ledger.csv")
    ledger = [(r["payee_id"], r["currency"], r["amount_rounded"], r["gl_account"])
              for r in _csv(folder / "ledger.csv")]
    assert ledger == [("K1", "KWD", company.k1_january, "6100 Commission expense"),
                      ("U1", "USD", company.u1_january, "6100 Commission expense"),
                      ("K1", "KWD", company.k1_february, "6100 Commission expense")]
    assert format_money(Decimal(company.k1_january), "KWD") == f"{company.k1_january} KWD"
    assert format_money(Decimal(company.u1_january), "USD") == f"{company.u1_january} USD"
    assert (format_money(Decimal("-1234.5675"), "BHD"), format_money(Decimal("1234.5"), "JPY")) == (
        "-1,234.568 BHD", "1,234 JPY")  # the web's money filter: half-even to the minor unit


def test_a_kuwaiti_payee_is_paid_exported_and_shown_to_the_fils(migrated_url: str, tmp_path: Path) -> None:
    _run_the_gulf_company(migrated_url, tmp_path, IN_CENTS)


def test_deals_in_fils_are_credited_and_paid_to_the_fils(migrated_url: str, tmp_path: Path) -> None:
    _run_the_gulf_company(migrated_url, tmp_path, IN_FILS)


def test_the_printed_statement_shows_dinars_to_the_fils() -> None:
    """`attain calc --explain`: a KWD plan's measures, deal lines and pay keep 3 decimals; USD keeps 2."""
    from io import StringIO

    from rich.console import Console

    from attain.explain.render import money, render_statement
    from attain.explain.statement import ComponentSection, Statement, StatementLine

    earning = {"transaction_id": "D1", "rule_id": "owner", "basis_before": Decimal("0"),
               "basis_after": Decimal("1000.1050000000"), "tier_index": None, "rate_or_factor": None,
               "amount": Decimal("35.0036750000"), "explanation": "1,000.105 x 3.5%"}
    total = {"earned": Decimal("35.0036750000"), "capped_amount": Decimal(0),
             "amount": Decimal("35.0036750000"), "amount_rounded": Decimal("35.004")}
    credit = {"credit": Decimal("1000.1050000000")}
    section = ComponentSection("commission", "rate", total, [StatementLine(earning, credit)])
    measure = {"measure_id": "bookings", "value": Decimal("1000.1050000000"),
               "value_to_date": Decimal("1000.1050000000"), "quota": None, "quota_prorated": None,
               "attainment": None, "attainment_to_date": None}
    out = StringIO()
    render_statement(Statement("K1", "2017-01", "gulf", 1, "KWD", [measure], [section], []),
                     Console(file=out, width=200))

    printed = out.getvalue()
    assert printed.count("1,000.105") >= 4  # measure, to date, the deal's credit and its basis
    assert "pays 35.004 KWD" in printed and "Total: 35.004 KWD" in printed
    assert (money(Decimal("35.0035"), "KWD"), money(Decimal("35.0035"), "USD")) == ("35.004", "35.00")
