"""The pay stage and its rules: earnings to date -> payout lines (draws, holds, clawbacks, adjustments, FX).

``pay(result, plans, inputs, periods, ledger=..., adjustments=...) -> PayResult``; file mode in
``attain.payouts.filemode``. See docs/payouts.md.
"""

from attain.payouts.ledger import Ledger, PayResult
from attain.payouts.stage import pay

__all__ = ["Ledger", "PayResult", "pay"]
