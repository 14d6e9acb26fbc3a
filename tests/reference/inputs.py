"""Reads an input folder of entity CSV files (named after attain.core.entities) into typed rows.

Each CSV cell is parsed by its field's kind: dates become ``date``, money and decimals ``Decimal``
(exactly, from the text), integers ``int``, JSON ``dict``; an empty cell is the field's default
or None. JSON cells (transaction attributes, assignment parameters) stay text, as the formula
language reads them. The oracle never sees a float.
"""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from attain.core.entities import ENTITIES, FieldKind, FieldSpec

Row = dict[str, Any]
Tables = dict[str, list[Row]]


def parse_cell(spec: FieldSpec, text: str | None) -> Any:
    """One CSV cell as the Python value of its field kind (None when empty and no default)."""
    if text is None or text.strip() == "":
        text = spec.default
    if text is None:
        return None
    text = text.strip()
    if spec.kind is FieldKind.DATE:
        return date.fromisoformat(text)
    if spec.kind in (FieldKind.MONEY, FieldKind.DECIMAL):
        return Decimal(text)
    if spec.kind is FieldKind.INTEGER:
        return int(text)
    if spec.kind is FieldKind.BOOLEAN:
        return text.lower() in ("true", "1", "yes")
    return text


def read_entity(path: Path, entity: str) -> list[Row]:
    """All rows of one entity file; every field of the entity is present in each row."""
    spec = ENTITIES[entity]
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        unknown = set(reader.fieldnames or ()) - set(spec.names)
        if unknown:
            raise ValueError(f"{path.name}: columns {sorted(unknown)} are not fields of {entity}")
        return [{f.name: parse_cell(f, raw.get(f.name)) for f in spec.fields} for raw in reader]


def read_folder(folder: Path) -> Tables:
    """Every ``<entity>.csv`` in a folder; entities without a file are empty tables."""
    tables: Tables = {name: [] for name in ENTITIES}
    for path in sorted(folder.glob("*.csv")):
        if path.stem not in ENTITIES:
            raise ValueError(f"{path.name}: not an entity of attain.core.entities")
        tables[path.stem] = read_entity(path, path.stem)
    return tables
