"""Declarative column mappings (YAML): how the columns of an outside file become an entity's fields.

A mapping names the target entity and, for each field, where its value comes from::

    entity: opportunity
    where:                      # only these rows are imported (all conditions must hold)
      - {column: Stage, in: [Closed Won]}
    defaults: {currency: USD}   # used when a field is empty or not mapped
    fields:
      opportunity_id: Opportunity ID               # a column, as is
      status: {column: Stage, value_map: {Closed Won: won, Closed Lost: lost}, otherwise: open}
      close_date: {column: Close Date, date_format: "%m/%d/%Y"}
      name: {template: "{Account Name} - {Opportunity Name}"}
      kind: {constant: booking}
      annual_revenue: {column: Revenue (M), multiply_by: 1000000}

Without a mapping the file's headers must be the entity's field names. Applying a mapping is columnar
(Polars expressions), never a loop over rows.
"""

from __future__ import annotations

import string
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import polars as pl
import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from attain.core.entities import ENTITIES, EntitySpec
from attain.core.errors import Issue, Source
from attain.core.money import to_decimal
from attain.ingest import codes
from attain.ingest.readers import LINE, SourceRows

NUMBER_PATTERN = r"^[+-]?(\d+(\.\d*)?|\.\d+)$"
"""A plain decimal number (thousands separators and underscores are removed first)."""


def _text(value: Any) -> Any:
    """YAML turns 2016-01-01 into a date, 100 into an int and Yes into True: keep the author's text."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        return str(value)
    return value


Text = Annotated[str, BeforeValidator(_text)]


def _exact(value: Any) -> Decimal:
    return to_decimal(repr(value) if isinstance(value, float) else value)


def _as_source(value: Any) -> Any:
    """A bare column name is short for ``{column: name}``."""
    return value if isinstance(value, dict) else {"column": _text(value)}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class FieldSource(_Strict):
    """Where one field's value comes from: exactly one of column, constant or template."""

    column: Text | None = None
    constant: Text | None = None
    template: str | None = Field(default=None, description='Text built from columns, e.g. "{First} {Last}"')
    value_map: dict[Text, Text | None] | None = Field(default=None, description="Source -> Attain value")
    otherwise: Text | None = Field(default=None, description="value_map: value for unlisted values")
    default: Text | None = Field(default=None, description="Used when the value is empty")
    date_format: str | None = Field(default=None, description='strftime format, e.g. "%m/%d/%Y"')
    multiply_by: Annotated[Decimal, BeforeValidator(_exact)] | None = Field(
        default=None, description="Exact factor, e.g. 1000000 for revenue given in millions"
    )

    @model_validator(mode="after")
    def _one_origin(self) -> FieldSource:
        given = [name for name in ("column", "constant", "template") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of column, constant or template")
        return self

    def columns_used(self) -> list[str]:
        if self.column is not None:
            return [self.column]
        if self.template is not None:
            return [name for _, name, _, _ in string.Formatter().parse(self.template) if name]
        return []


class RowFilter(_Strict):
    """A condition on one source column; only rows meeting every condition are imported."""

    column: Text
    equals: Text | None = None
    in_: list[Text] | None = Field(default=None, alias="in")
    not_in: list[Text] | None = None
    not_empty: bool | None = None


class ColumnMapping(_Strict):
    """A mapping file: the target entity, the row filter, the defaults and the field sources."""

    entity: str
    description: str | None = None
    sheet: str | None = Field(default=None, description="XLSX: the worksheet to read (default: the first)")
    where: list[RowFilter] = Field(default_factory=list)
    distinct: bool = Field(False, description="Drop rows that map to exactly the same values")
    defaults: dict[str, Text] = Field(default_factory=dict)
    fields: dict[str, Annotated[FieldSource, BeforeValidator(_as_source)]]

    @model_validator(mode="after")
    def _known_entity_and_fields(self) -> ColumnMapping:
        spec = ENTITIES.get(self.entity)
        if spec is None:
            raise ValueError(f"unknown entity {self.entity!r} (known: {', '.join(sorted(ENTITIES))})")
        unknown = sorted((set(self.fields) | set(self.defaults)) - set(spec.names))
        if unknown:
            raise ValueError(f"{self.entity} has no field(s) {', '.join(unknown)}")
        return self

    def source(self, field: str) -> FieldSource | None:
        return self.fields.get(field)


class MappingError(Exception):
    """A mapping file that cannot be used; carries IMP003 issues."""

    def __init__(self, issues: list[Issue]):
        super().__init__("; ".join(str(issue) for issue in issues))
        self.issues = issues


def load_mapping(path: str | Path) -> ColumnMapping:
    """Read and check a mapping YAML file; problems become IMP003 issues with the field path."""
    file = Path(path)
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise MappingError([Issue(codes.MAPPING_INVALID, f"cannot read the mapping: {exc}",
                                  source=Source(file=str(file)))]) from exc
    try:
        return ColumnMapping.model_validate(data)
    except ValidationError as exc:
        raise MappingError([
            Issue(codes.MAPPING_INVALID, f"{_where(err['loc'])}: {err['msg']}", source=Source(file=str(file)))
            for err in exc.errors()
        ]) from exc


def _where(loc: tuple[int | str, ...]) -> str:
    """A readable path to the faulty part of the mapping, e.g. fields.payee_id."""
    parts = [str(part) for part in loc if not str(part).startswith("function-")]
    return ".".join(parts) or "mapping"


class MappedRows(BaseModel):
    """The rows after mapping: one text column per entity field plus ``__line__``."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    frame: pl.DataFrame
    path: str
    labels: dict[str, str]  # field -> the source column name an analyst sees in error messages
    date_formats: dict[str, str]
    issues: list[Issue]


def identity_mapping(spec: EntitySpec, rows: SourceRows) -> MappedRows:
    """No mapping: the headers must be the entity's field names."""
    unknown = [name for name in rows.columns if name not in spec.names]
    issues = [
        Issue(codes.COLUMN_UNKNOWN,
              f"column {name!r} is not a field of {spec.name} (fields: {', '.join(spec.names)}); "
              "rename it or give a mapping file", source=Source(file=rows.path, line=1, column=name))
        for name in unknown
    ]
    issues += _missing_required(spec, rows, set(rows.columns))
    present = [name for name in rows.columns if name in spec.names]
    frame = rows.frame.select([*present, LINE])
    return MappedRows(frame=frame, path=rows.path, labels={n: n for n in spec.names}, date_formats={},
                      issues=issues)


def _missing_required(spec: EntitySpec, rows: SourceRows, provided: set[str]) -> list[Issue]:
    return [
        Issue(codes.COLUMN_MISSING, f"the file has no column {field.name!r}, which {spec.name} requires",
              source=Source(file=rows.path, line=1, column=field.name))
        for field in spec.fields
        if field.required and field.default is None and field.name not in provided
    ]


def apply_mapping(mapping: ColumnMapping, rows: SourceRows) -> MappedRows:
    """Filter the rows, then build each entity field from its source (columnar)."""
    spec = ENTITIES[mapping.entity]
    missing = _missing_columns(mapping, rows)
    if missing:
        return MappedRows(frame=pl.DataFrame({LINE: []}, schema={LINE: pl.Int64}), path=rows.path,
                          labels={}, date_formats={}, issues=missing)
    frame = rows.frame
    for condition in mapping.where:
        frame = frame.filter(_condition(condition))
    exprs, labels, formats = [], {}, {}
    for name in spec.names:
        source = mapping.source(name)
        fallback = mapping.defaults.get(name)
        if source is None:
            if fallback is not None:
                exprs.append(pl.lit(fallback, dtype=pl.String).alias(name))
                labels[name] = name
            continue
        exprs.append(_field_expr(source, fallback).alias(name))
        labels[name] = source.column or name
        if source.date_format:
            formats[name] = source.date_format
    frame = frame.select([*exprs, pl.col(LINE)])
    if mapping.distinct:
        values = [c for c in frame.columns if c != LINE]
        frame = frame.unique(subset=values, keep="first", maintain_order=True)
    issues = _missing_required(spec, rows, set(labels))
    return MappedRows(frame=frame, path=rows.path, labels=labels, date_formats=formats, issues=issues)


def _missing_columns(mapping: ColumnMapping, rows: SourceRows) -> list[Issue]:
    wanted: list[str] = [cond.column for cond in mapping.where]
    for name in mapping.fields:
        source = mapping.source(name)
        wanted += source.columns_used() if source else []
    present = set(rows.columns)
    return [
        Issue(codes.COLUMN_MISSING,
              f"the mapping reads column {name!r}, which the file does not have "
              f"(it has: {', '.join(rows.columns)})", source=Source(file=rows.path, line=1, column=name))
        for name in dict.fromkeys(wanted) if name not in present
    ]


def _condition(cond: RowFilter) -> pl.Expr:
    col = pl.col(cond.column)
    checks = []
    if cond.equals is not None:
        checks.append(col == cond.equals)
    if cond.in_ is not None:
        checks.append(col.is_in(cond.in_))
    if cond.not_in is not None:
        checks.append(~col.is_in(cond.not_in) | col.is_null())
    if cond.not_empty is not None:
        checks.append(col.is_not_null() if cond.not_empty else col.is_null())
    return pl.all_horizontal(checks).fill_null(False) if checks else pl.lit(True)


def _field_expr(source: FieldSource, fallback: str | None) -> pl.Expr:
    if source.constant is not None:
        expr = pl.lit(source.constant, dtype=pl.String)
    elif source.template is not None:
        expr = _template(source.template)
    else:
        expr = pl.col(str(source.column))
    if source.value_map:
        mapped = expr.replace(source.value_map)
        if source.otherwise is not None:
            unlisted = expr.is_not_null() & ~expr.is_in(list(source.value_map))
            mapped = pl.when(unlisted).then(pl.lit(source.otherwise)).otherwise(mapped)
        expr = mapped
    if source.multiply_by is not None:
        expr = multiply_text(expr, source.multiply_by)
    if source.default is not None:
        expr = expr.fill_null(source.default)
    if fallback is not None:
        expr = expr.fill_null(fallback)
    return expr


def _template(template: str) -> pl.Expr:
    parts: list[pl.Expr] = []
    for literal, name, _, _ in string.Formatter().parse(template):
        if literal:
            parts.append(pl.lit(literal))
        if name:
            parts.append(pl.col(name))
    return pl.concat_str(parts, ignore_nulls=False)


def clean_number(expr: pl.Expr) -> pl.Expr:
    """Number text without thousands separators or underscores (the way ``to_decimal`` reads it)."""
    return expr.str.replace_all(",", "", literal=True).str.replace_all("_", "", literal=True)


def multiply_text(expr: pl.Expr, factor: Decimal) -> pl.Expr:
    """Multiply number text exactly by ``factor``; text that is not a number is left for validation."""
    cleaned = clean_number(expr)
    places = max(0, -int(factor.as_tuple().exponent)) if factor.is_finite() else 0
    product = cleaned.cast(pl.Decimal(38, 12), strict=False) * pl.lit(factor, dtype=pl.Decimal(38, places))
    text = trim_zeros(product.cast(pl.String))
    is_number = cleaned.str.contains(NUMBER_PATTERN)
    return pl.when(is_number).then(text).otherwise(expr)


def trim_zeros(text: pl.Expr) -> pl.Expr:
    """Decimal text without trailing zeros after the point: "12.5000" -> "12.5", "100.00" -> "100"."""
    trimmed = text.str.replace(r"(\.\d*?)0+$", "${1}").str.replace(r"\.$", "")
    return pl.when(text.str.contains(".", literal=True)).then(trimmed).otherwise(text)
