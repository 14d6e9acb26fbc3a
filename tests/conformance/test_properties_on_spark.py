"""The engine on Spark equals the reference oracle to the cent on random plans (few examples).

The same strategies as tests/properties (random tier tables, ratings, evaluation modes, splits,
cancellations, shuffled input rows; and plans mixing every crediting rule and component kind),
run by the Spark executor. The example count is small: each example is a full Spark run.
"""

from __future__ import annotations

import random
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attain.engine.filemode import calculate_folder
from tests.conformance.conftest import spark_options
from tests.properties.cases import Case, cases, write
from tests.properties.mixed import mixed_cases
from tests.properties.test_engine_matches_oracle import oracle_totals
from tests.reference import engine_probe

pytestmark = pytest.mark.usefixtures("spark_context")


def spark_totals(case: Case) -> dict[engine_probe.Key, Decimal]:
    with tempfile.TemporaryDirectory() as tmp:
        plans, data = write(case, Path(tmp))
        return engine_probe.totals(
            calculate_folder(plans, data, case.periods, spark_options()).component_totals
        )


def shuffled(case: Case, seed: int) -> Case:
    rng = random.Random(seed)
    return Case(case.plan, {k: rng.sample(v, len(v)) for k, v in case.tables.items()}, case.periods)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(), seed=st.one_of(st.none(), st.integers(0, 1000)))
def test_spark_equals_oracle_on_tiered_plans(case: Case, seed: int | None) -> None:
    actual = spark_totals(case if seed is None else shuffled(case, seed))
    problems = engine_probe.disagreements(oracle_totals(case), actual)
    assert not problems, f"spark != oracle, plan {case.plan}:\n" + "\n".join(problems)


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=mixed_cases())
def test_spark_equals_oracle_on_mixed_plans(case: Case) -> None:
    problems = engine_probe.disagreements(oracle_totals(case), spark_totals(case))
    assert not problems, f"spark != oracle, plan {case.plan}:\n" + "\n".join(problems)
