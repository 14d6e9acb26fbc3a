"""Database mode of the calculation: inputs and plans from the store, the same engine, outputs stored.

The engine does no I/O: this service reads the entities with ``attain.store.repos.load_inputs``,
types them exactly like file mode (``InputTables.from_tables``), runs ``attain.engine.calculate``
and records the run and its outputs (``start_run`` / ``write_run_outputs`` / ``finish_run``).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine

from attain.core.errors import AttainError, Issue, Source, register
from attain.engine import CalcOptions, CalcResult, InputTables, calculate
from attain.plans.load import load_plan_text
from attain.plans.schema import PlanDocument
from attain.store.db import reading, transaction
from attain.store.repos import finish_run, list_versions, load_inputs, start_run, write_run_outputs

CALC093 = register("CALC093", "A stored plan version cannot be read as a plan document")


def published_plans(target: str | Engine, plan_ids: list[str] | None = None) -> list[PlanDocument]:
    """Every published version of the given plans (all plans when None), as plan documents."""
    with reading(target) as conn:
        stored = [
            v
            for v in list_versions(conn)
            if v.status == "published" and (plan_ids is None or v.plan_id in plan_ids)
        ]
    documents = []
    for version in stored:
        loaded = load_plan_text(version.document, source=f"{version.plan_id}@{version.version}")
        if loaded.document is None:
            issue = Issue(
                CALC093,
                f"plan {version.plan_id} version {version.version} is not a valid plan",
                source=Source(system="store", external_id=version.key),
            )
            raise AttainError(issue.message, [issue, *loaded.issues], code=CALC093)
        documents.append(loaded.document)
    return documents


def load_store_inputs(target: str | Engine) -> InputTables:
    """The engine inputs as of now, from the store, typed by the entity specs."""
    with reading(target) as conn:
        return InputTables.from_tables(load_inputs(conn), origin="store")


def default_calc_options() -> CalcOptions:
    """Run options from the settings (ATTAIN_EXECUTOR, ATTAIN_SPARK_URL); the rest at defaults."""
    from attain.settings import get_settings

    settings = get_settings()
    return CalcOptions(executor=settings.executor, cluster_url=settings.spark_url or None)


def calculate_in_store(
    target: str | Engine,
    plans: list[PlanDocument],
    periods: list[str],
    *,
    actor: str = "system",
    options: CalcOptions | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[int, CalcResult]:
    """Run a calculation on the store's data and keep its outputs; returns (run id, result)."""
    options = options or default_calc_options()
    from attain.services.spark_staging import staged_store_inputs  # imports this module

    inputs = staged_store_inputs(target, options)  # Spark: the store staged to Parquet via ADBC
    versions = {doc.plan: sorted(d.version for d in plans if d.plan == doc.plan) for doc in plans}
    with transaction(target, actor) as conn:
        run_id = start_run(
            conn,
            periods=periods,
            actor=actor,
            plan_versions=versions,
            options={"threads": options.threads, "executor": options.executor},
        )
    try:
        result = calculate(inputs, plans, periods, options, progress)
    except Exception as exc:
        with transaction(target, actor) as conn:
            finish_run(conn, run_id, actor=actor, error=str(exc))
        raise
    with transaction(target, actor) as conn:
        write_run_outputs(conn, run_id, result, actor=actor)
        finish_run(conn, run_id, actor=actor)
    return run_id, result
