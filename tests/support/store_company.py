"""A small company put in the store from CSV texts and plan documents, as an analyst would load it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path

from attain.services.imports import import_file
from attain.store.db import transaction
from attain.store.plans import publish, save_draft


def load_csv_company(
    url: str, folder: Path, files: Mapping[str, str], plans: Iterable[tuple[str, str]]
) -> None:
    """Import each entity's CSV text (written into ``folder``) and publish each (plan id, YAML) as
    version 1, effective 2017-01-01; a refused import fails the test with its issues."""
    for entity, text in files.items():
        path = folder / f"{entity}.csv"
        path.write_text(text, encoding="utf-8")
        report = import_file(url, entity, path, actor="analyst")
        assert report.imported, report.issues
    with transaction(url, "test") as conn:
        for plan_id, text in plans:
            save_draft(conn, plan_id, 1, text, actor="test", effective_from=date(2017, 1, 1))
            publish(conn, plan_id, 1, actor="test")
