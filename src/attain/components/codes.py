"""Error codes of the component kinds: PLAN12x–14x (plan checks), CALC030–CALC069 (while earning).

PLAN100–PLAN105 belong to the formula language, so component plan checks start at PLAN120.
Every code is documented in docs/errors.md.
"""

from __future__ import annotations

from attain.core.errors import register

# --- plan checks (ComponentKind.validate) -------------------------------------------------------
TIER_GAP = register("PLAN120", "A tier does not start where the previous tier ends (gap or overlap)")
TIER_OPEN_NOT_LAST = register("PLAN121", "Only the last tier of a table may be open (no `to`)")
TIER_EMPTY = register("PLAN122", "A tier's `to` is not above its `from`")
TIER_NO_RATE = register("PLAN123", "A marginal or retroactive tier has no `rate`")
TIER_INTERPOLATED_NO_AMOUNT = register(
    "PLAN124", "An interpolated tier has no `amount` (an open last tier needs a `rate` instead)"
)
TIER_NEGATIVE_START = register("PLAN125", "A tier table starts below zero")
UNKNOWN_MEASURE = register("PLAN126", "A component names a measure the plan does not declare")
TIER_MEASURE_NOT_ADDITIVE = register(
    "PLAN127", "A distinct-count measure can only be tiered with `evaluation: period_end`"
)
RATE_MISSING = register(
    "PLAN130", "A rate component has neither `rate`, `per_unit`, `rate_table` nor `rate_parameter`"
)
RATE_AMBIGUOUS = register(
    "PLAN131", "A rate component gives more than one of `rate`/`rate_parameter`, `per_unit`, `rate_table`"
)
RATE_PARAMETER_UNKNOWN = register(
    "PLAN132", "A rate component's `rate_parameter` is not a plan parameter and the component has no `rate`"
)
MULTIPLIER_UNKNOWN_TARGET = register(
    "PLAN135", "A multiplier applies to a component that is not a stage-1 component of the plan"
)
MULTIPLIER_RANGE_NO_MEASURE = register(
    "PLAN136", "A multiplier has an attainment range but no `measure` (or a measure but no range)"
)
MULTIPLIER_EMPTY_RANGE = register(
    "PLAN137", "A multiplier's `attainment_below` is not above its `attainment_at_least`"
)
BONUS_NO_AMOUNT = register(
    "PLAN140", "A bonus has neither `amount`, `percent_of_target_incentive` nor `curve`"
)
BONUS_NO_THRESHOLD = register("PLAN141", "A bonus with an `amount` or percent needs a `threshold`")
BONUS_CURVE_AND_AMOUNT = register("PLAN142", "A bonus gives both a `curve` and an amount/percent/threshold")
MBO_DUPLICATE_OBJECTIVE = register("PLAN144", "An MBO component lists the same objective twice")
MBO_WEIGHTS = register("PLAN145", "MBO objective weights are negative or total more than 1")
SPIFF_AMOUNT = register("PLAN146", "A SPIFF needs exactly one of `amount` and `amount_formula`")
SPIFF_WINDOW = register("PLAN147", "A SPIFF window ends before it starts")
SPIFF_UNKNOWN_RULE = register("PLAN148", "A SPIFF names a crediting rule the plan does not have")
CAP_AMOUNT = register(
    "PLAN149", "A cap or floor needs exactly one of `amount` and `percent_of_target_incentive`"
)

# --- while earning (issues_sql) -----------------------------------------------------------------
NO_QUOTA = register(
    "CALC030", "No quota (or a zero quota) for an attainment-based component: it pays nothing"
)
NO_TABLE_RATE = register(
    "CALC031", "A rate table has no rate for this value and no default: the credit pays nothing"
)
BAD_PARAMETER = register("CALC032", "A payee's plan parameter is not a number: the credit pays nothing")
NO_RATE = register(
    "CALC033", "No rate for this payee (no payee parameter, plan default or rate): pays nothing"
)
NO_QUANTITY = register("CALC034", "A per-unit rate on a credit without quantity: the credit pays nothing")
NO_SCORE = register("CALC040", "An MBO objective has no score for the period: it pays nothing")
SCORE_ABOVE_MAX = register("CALC041", "An MBO score is above max_score and was limited to it")
SPIFF_NO_AMOUNT = register(
    "CALC045", "A SPIFF amount formula gives no value for this credit: it pays nothing"
)
