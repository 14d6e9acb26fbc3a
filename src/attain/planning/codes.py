"""Error codes of the planning layer (PLNG): registered once, documented in docs/errors.md."""

from __future__ import annotations

from attain.core.errors import register

BAD_TARGET = register(
    "PLNG001", "A quota target or rounding unit is not usable (negative, or not a multiple of the unit)")
NO_WEIGHT = register(
    "PLNG002", "Quota weights are missing, negative or all zero for the reps that share the target")
INFEASIBLE_BOUNDS = register("PLNG003", "Quota floors and ceilings cannot add up to the target")
BAD_PRORATION = register(
    "PLNG004", "A proration segment lies outside its period, overlaps another or has no days")
BAD_ACCOUNTS = register(
    "PLNG005", "Territory design input is not usable (no accounts, K out of range, bad values)")
NO_DESIGN = register("PLNG006", "No territory design satisfies the balance and disruption limits")
BAD_CAPACITY = register(
    "PLNG007", "A capacity assumption is out of range (ramp, productivity, attrition, horizon)")
BAD_DRAFT = register("PLNG008", "A draft plan to model cannot be loaded or calculated")
NO_VERSION = register("PLNG009", "No quota version (or territory design) with this id or name")
OWN_APPROVAL = register("PLNG010", "The author of a quota version cannot approve it (four eyes)")
WRONG_STATUS = register(
    "PLNG011", "The quota version is not in the status this step needs (a published version never changes)")
BEFORE_EFFECTIVE = register("PLNG012", "A quota line starts before its version's effective date")
CLOSED_PERIOD = register(
    "PLNG013", "Publishing would change the quota of an approved, paid or locked pay period")
BAD_QUOTA_FILE = register("PLNG014", "A quota version file has errors (each listed with its line)")
NOT_APPLICABLE = register(
    "PLNG015",
    "A territory design cannot be applied from that date (already applied, or a later change exists)")
NO_HISTORY = register(
    "PLNG016", "Expected attainment needs quotas of one period length and history for the reps")
