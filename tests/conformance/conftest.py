"""Conformance fixtures: one Spark context per test worker, started once and reused by every test.

Spark needs pyspark (the 'spark' extra) and Java 17 (scripts/bootstrap.sh installs both). Without
them the Spark tests are skipped with the reason on a developer's machine and fail in CI (env
``CI`` set), like the PostgreSQL tests: a missing backend is never a silent pass.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from attain.engine.options import CalcOptions

SPARK_THREADS = 2
"""local[2]: the CI machine's cores; every test worker shares this one context."""


def spark_options(**changes: object) -> CalcOptions:
    """Run options for the Spark executor in local mode."""
    return CalcOptions(executor="spark", threads=SPARK_THREADS, **changes)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def spark_context() -> Iterator[None]:
    """Start the worker's Spark context once (15-35 s of JVM start-up), stop it at the end."""
    problem = None
    try:
        import pyspark  # noqa: F401
    except ImportError:
        problem = "pyspark is not installed (uv sync --extra spark)"
    if problem is None and shutil.which("java") is None:
        problem = "java is not on PATH (scripts/bootstrap.sh installs openjdk-17-jre-headless)"
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(f"Spark conformance must run in CI: {problem}")
        pytest.skip(problem)
    from attain.engine.executors import spark_session
    from attain.engine.executors.spark import SparkExecutor

    SparkExecutor.from_options(spark_options()).close()
    yield
    spark_session.stop()
