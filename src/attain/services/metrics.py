"""Metrics service: read the store as Arrow, compute the catalog with ``attain.analytics``.

``analysis_tables`` reads the entity tables the analytics need (one consistent snapshot);
``metrics_report`` computes catalog metrics for a breakdown and period. The analytics package
never touches the database itself: this module hands it Arrow tables.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa
from sqlalchemy import Engine

from attain.analytics.compute import MetricValue, compute_metrics
from attain.analytics.views import NEEDED, connect
from attain.store.db import reading
from attain.store.repos import load_entity

ANALYSIS_ENTITIES = (*NEEDED, "transaction", "plan_assignment")
"""The entities the analytics read (views, funnel, forecasts and the what-if commission)."""


def analysis_tables(target: str | Engine, entities: Sequence[str] = ANALYSIS_ENTITIES) -> dict[str, pa.Table]:
    """The named entity tables from the store as Arrow, read in one snapshot."""
    with reading(target) as conn:
        return {name: load_entity(conn, name) for name in entities}


def metrics_report(target: str | Engine | dict[str, pa.Table], by: str | None = None,
                   period: str | None = None, names: Sequence[str] | None = None) -> list[MetricValue]:
    """Catalog metrics from the store (or from already-read tables) by ``by`` for ``period``."""
    tables = target if isinstance(target, dict) else analysis_tables(target)
    con = connect(tables)
    try:
        return compute_metrics(con, by, period, names)
    finally:
        con.close()
