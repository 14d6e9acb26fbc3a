"""Planning: quota setting, territory design, capacity and plan modeling on history.

``quotas`` allocates targets exactly (Decimal, largest remainder), ``territories`` balances accounts
across territories with a HiGHS MILP (heuristic fallback), ``capacity`` sizes headcount and hiring,
``modeling`` replays a historical period under draft plans. See docs/planning.md.
"""
