"""The pay pages' data, one module per page: the rep home, a deal's explanation, the manager's team.

- ``stored_run``: the payee's newest succeeded run with payout lines, its periods and the memo of what
  never changes (``RUN_VIEWS``);
- ``rep``: the rep home (earnings, attainment and pace, next tiers, recent deals, draws, disputes);
- ``deal``: why a deal paid what it did (``explain_deal``);
- ``team``: the manager's team (attainment, leaderboard, open disputes).

Nothing is estimated here (see ``estimator``). Every figure is in its own plan's currency
(``run_currency``): a payee on a USD plan and a KWD plan sees each at its own places, and amounts in two
currencies are never added into one number. The names below are this package's public face: callers
import ``attain.services.home`` and use them as before the split.
"""

from attain.services.home.deal import DEAL, explain_deal
from attain.services.home.rep import (
    OPEN_DISPUTES,
    RECENT_DEALS,
    draw_balances,
    earnings,
    measure_rows,
    measures,
    next_tiers,
    open_disputes,
    plans_used,
    recent_deals,
    rep_home,
    run_view,
    statement_periods,
    with_currencies,
    with_draw_currencies,
    with_pace,
)
from attain.services.home.stored_run import (
    PAYEE,
    RUN,
    RUN_VIEWS,
    STATEMENTS_PAID,
    ZERO,
    Period,
    RunViews,
    current_period,
    elapsed_share,
    newest_run,
    payout_of_run,
    period_on,
    run_key,
    run_of,
    run_periods,
)
from attain.services.home.team import team_disputes, team_overview

__all__ = [
    "DEAL",
    "OPEN_DISPUTES",
    "PAYEE",
    "RECENT_DEALS",
    "RUN",
    "RUN_VIEWS",
    "STATEMENTS_PAID",
    "ZERO",
    "Period",
    "RunViews",
    "current_period",
    "draw_balances",
    "earnings",
    "elapsed_share",
    "explain_deal",
    "measure_rows",
    "measures",
    "newest_run",
    "next_tiers",
    "open_disputes",
    "payout_of_run",
    "period_on",
    "plans_used",
    "recent_deals",
    "rep_home",
    "run_key",
    "run_of",
    "run_periods",
    "run_view",
    "statement_periods",
    "team_disputes",
    "team_overview",
    "with_currencies",
    "with_draw_currencies",
    "with_pace",
]
