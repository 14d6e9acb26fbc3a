"""Planning: quota setting, territory design, capacity and plan modeling on history.

``quotas`` allocates targets exactly (Decimal, largest remainder), ``attainment`` replays history
against new quotas (expected attainment, outliers), ``territories`` balances accounts across
territories with a HiGHS MILP (heuristic fallback), ``contiguity`` keeps them connected over an
adjacency graph, ``capacity`` sizes headcount and hiring, ``modeling`` replays a historical period
under draft plans. Quota versions and applied designs live in the store (``attain.services``).
See docs/planning.md.
"""
