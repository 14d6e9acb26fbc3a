"""A Kuwaiti adjustment paid to the fils, and statements (HTML and the PDF batch) that print it so:
the gulf company of ``test_fils_end_to_end`` (Khalid paid in KWD, Uma in USD), SQLite and PostgreSQL.

  Khalid, January: 35.004 KWD commission + 12.345 KWD adjustment = 47.349 KWD
  Uma, January: 227.88 USD (a USD adjustment of 1.005 is finer than a cent: refused, PAY042)
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from attain.core.errors import AttainError
from attain.services import adjustments, statement_pdf, statements
from attain.services.access import COMMAND_LINE, Principal
from attain.services.runs import run_payouts
from attain.store.db import reading
from attain.store.tables import payout
from tests.payouts.test_fils_end_to_end import IN_CENTS, _load

ANA = Principal(8, "ana", "finance")
FIN = Principal(9, "fin", "finance")


def _adjust(url: str, payee_id: str, amount: str, currency: str) -> int:
    return adjustments.desk_create(url, ANA, payee_id=payee_id, period_label="2017-01", amount=amount,
                                   currency=currency, reason="missed deal")


@pytest.mark.parametrize("amount", ["1.005", "0.001", "1.0001"])
def test_an_adjustment_finer_than_its_currency_pays_is_refused(migrated_url: str, tmp_path: Path,
                                                               amount: str) -> None:
    _load(migrated_url, tmp_path, IN_CENTS)
    with pytest.raises(AttainError) as refused:
        _adjust(migrated_url, "U1", amount, "USD")
    assert refused.value.code == "PAY042" and "at most 2 decimals in USD" in str(refused.value)
    with pytest.raises(AttainError) as too_fine:
        _adjust(migrated_url, "K1", "12.3456", "KWD")
    assert too_fine.value.code == "PAY042" and "at most 3 decimals in KWD" in str(too_fine.value)
    with pytest.raises(AttainError):
        _adjust(migrated_url, "K1", "1.5", "JPY")  # yen are whole
    assert _adjust(migrated_url, "U1", "1.50", "USD") > 0  # cents are fine, and 2.000 is 2 places' worth
    assert _adjust(migrated_url, "U1", "2.000", "USD") > 0


def test_a_kuwaiti_adjustment_is_paid_and_shown_to_the_fils(migrated_url: str, tmp_path: Path) -> None:
    url = migrated_url
    _load(url, tmp_path, IN_CENTS)
    adjustments.desk_decide(url, FIN, _adjust(url, "K1", "12.345", "KWD"), approve=True)
    january = run_payouts(url, periods=["2017-01"], actor="fin")
    with reading(url) as conn:
        lines = conn.execute(select(payout.c.kind, payout.c.amount_rounded, payout.c.currency)
                             .where(payout.c.run_id == january.run_id, payout.c.payee_id == "K1")
                             .order_by(payout.c.id)).all()
    assert sorted(lines) == [("adjustment", Decimal("12.345"), "KWD"),
                             ("commission", Decimal("35.004"), "KWD")]

    html = statements.statement_html(url, COMMAND_LINE, "K1", "2017-01")
    assert '<td class="n">12.345</td>' in html and '<td class="n">35.004</td>' in html
    assert "47.349 KWD" in html  # the period's total, and paid year to date
    assert ">1,000.100<" in html  # the deal's credit, in the plan's currency (KWD)
    uma = statements.statement_html(url, COMMAND_LINE, "U1", "2017-01")
    assert "227.88 USD" in uma and ">70.002<" in uma  # paid in USD (cents), earned in KWD (fils)

    with reading(url) as conn:
        bundle = statements.load_period(conn, COMMAND_LINE, "2017-01")
    batch = statement_pdf.batch_html("2017-01", [statements.statement_data(bundle, p) for p in ("K1", "U1")])
    assert "47.349 KWD" in batch and '<td class="n">12.345</td>' in batch and "227.88 USD" in batch


def test_the_statement_money_helper_rounds_half_even_to_the_minor_unit() -> None:
    assert statements.money(Decimal("35.0035"), "KWD") == "35.004"
    assert statements.money(Decimal("8.7605"), "KWD") == "8.760"
    assert statements.money(Decimal("1234.565"), "USD") == "1,234.56"
    assert statements.money(Decimal("1234.5"), "JPY") == "1,234"
    assert statements.money(Decimal("12.3")) == "12.30" and statements.money(None, "KWD") == ""
