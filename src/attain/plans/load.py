"""Read a plan document (YAML or JSON) with line numbers: every problem as an Issue at file:line.

YAML is composed into nodes first (PyYAML), so every key and list item keeps its line; duplicate
keys (which YAML would silently overwrite) are reported; numbers written as decimals keep the
author's exact text (never a float). Schema violations become Issues with stable PLAN codes and
plain messages (no pydantic jargon) at the line of the offending key.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from attain.core.errors import Issue, Severity, Source, register
from attain.core.money import MoneyError
from attain.plans.schema import PlanDocument

UNREADABLE = register("PLAN001", "The plan file cannot be read or is not valid YAML")
DUPLICATE_KEY = register("PLAN002", "A key appears twice in the same mapping (the later one would win)")
NOT_A_DOCUMENT = register("PLAN003", "The plan file is empty or is not a mapping of plan fields")
MISSING = register("PLAN004", "A required field is missing")
UNKNOWN_KEY = register("PLAN005", "A field name that the plan schema does not have (typo?)")
WRONG_TYPE = register("PLAN006", "A value of the wrong type (text where a number or date is expected...)")
NOT_A_CHOICE = register("PLAN007", "A value that is not one of the allowed choices (kind, rating...)")
OUT_OF_RANGE = register("PLAN008", "A value out of its allowed range or format (ids, version >= 1...)")
SCHEMA = register("PLAN009", "Another violation of the plan schema")

PathKey = tuple[str | int, ...]
_FLOAT = "tag:yaml.org,2002:float"
_MAX_DEPTH = 200


@dataclass(frozen=True)
class LoadedPlan:
    """A plan file read: the document (None when it has schema errors), its issues and key lines."""

    document: PlanDocument | None
    issues: list[Issue]
    line_of: Mapping[PathKey, int]
    source: str = "<text>"
    text: str = ""
    data: Any = None
    literal_blocks: frozenset[PathKey] = field(default_factory=frozenset)

    @property
    def ok(self) -> bool:
        """True when nothing is an error (warnings allowed)."""
        return not any(issue.is_error for issue in self.issues)

    def line(self, path: PathKey) -> int | None:
        """The line of ``path``, or of its closest enclosing key that has one."""
        for end in range(len(path), -1, -1):
            found = self.line_of.get(path[:end])
            if found is not None:
                return found
        return None

    def at(self, path: PathKey) -> Source:
        """The source (file and line) of a path in the document."""
        return Source(file=self.source, line=self.line(path))


def dotted(path: PathKey) -> str:
    """``("components", 2, "tiers", 1, "to")`` -> ``components[2].tiers[1].to``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


class _Reader:
    """Turns composed YAML nodes into plain data, recording lines and duplicate keys."""

    def __init__(self, source: str):
        self.source = source
        self.lines: dict[PathKey, int] = {}
        self.literal: set[PathKey] = set()
        self.issues: list[Issue] = []
        self.constructor = yaml.constructor.SafeConstructor()

    def value(self, node: yaml.Node, path: PathKey) -> Any:
        if len(path) > _MAX_DEPTH:
            raise RecursionError
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return self.sequence(node, path)
        return self.scalar(node, path)

    def scalar(self, node: yaml.Node, path: PathKey) -> Any:
        if getattr(node, "style", None) == "|":
            self.literal.add(path)
        if node.tag == _FLOAT:  # keep the author's digits: 0.1 stays exactly 0.1
            try:
                return Decimal(str(node.value).replace("_", ""))
            except InvalidOperation:
                return str(node.value)
        try:
            return self.constructor.construct_object(node, deep=True)
        except (ValueError, yaml.constructor.ConstructorError):  # e.g. 2017-13-01: let the schema say why
            return str(node.value)

    def sequence(self, node: yaml.SequenceNode, path: PathKey) -> list[Any]:
        items = []
        for index, item in enumerate(node.value):
            self.lines[(*path, index)] = item.start_mark.line + 1
            items.append(self.value(item, (*path, index)))
        return items

    def mapping(self, node: yaml.MappingNode, path: PathKey) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        first_line: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = (
                self.scalar(key_node, path) if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            )
            if not isinstance(key, str):  # keys are names: `12:` or `on:` stay the text written
                key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in first_line:
                self.issues.append(
                    Issue(
                        DUPLICATE_KEY,
                        f"{dotted((*path, key))}: the key `{key}` is given twice (first at line "
                        f"{first_line[key]}); remove one",
                        source=Source(self.source, line),
                        record=dotted(path),
                    )
                )
            first_line.setdefault(key, line)
            self.lines[(*path, key)] = line
            result[key] = self.value(value_node, (*path, key))
        return result


def _read_text(path_or_text: str | Path) -> tuple[str, str]:
    """(source name, text) from a Path, a path string naming an existing file, or YAML text."""
    if isinstance(path_or_text, Path):
        return str(path_or_text), path_or_text.read_text(encoding="utf-8")
    if "\n" not in path_or_text and path_or_text.strip().endswith((".yaml", ".yml", ".json")):
        candidate = Path(path_or_text.strip())  # a file name: read it (a missing one is PLAN001)
        return str(candidate), candidate.read_text(encoding="utf-8")
    return "<text>", path_or_text


def load_plan(path_or_text: str | Path, source: str | None = None) -> LoadedPlan:
    """Read and schema-validate a plan; every problem is an Issue (nothing is raised for bad input)."""
    try:
        name, text = _read_text(path_or_text)
    except (OSError, UnicodeDecodeError) as exc:
        name = source or str(path_or_text)
        issue = Issue(UNREADABLE, f"cannot read the plan file: {exc}", source=Source(file=name))
        return LoadedPlan(None, [issue], {}, name)
    return load_plan_text(text, source or name)


def load_plan_text(text: str, source: str = "<text>") -> LoadedPlan:
    """Read and schema-validate plan YAML/JSON text named ``source`` in messages."""
    reader = _Reader(source)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = None if node is None else reader.value(node, ())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = None if mark is None else mark.line + 1
        problem = f"{exc.problem or exc.context}".strip()
        issue = Issue(UNREADABLE, f"not valid YAML: {problem}", source=Source(source, line))
        return LoadedPlan(None, [issue], {}, source, text)
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        issue = Issue(UNREADABLE, f"not valid YAML: {exc}", source=Source(source, 1))
        return LoadedPlan(None, [issue], {}, source, text)
    issues = list(reader.issues)
    lines = dict(reader.lines)
    literal = frozenset(reader.literal)
    if not isinstance(data, dict):
        what = "empty" if data is None else f"a {type(data).__name__}, not a mapping of plan fields"
        issues.append(Issue(NOT_A_DOCUMENT, f"the plan document is {what}", source=Source(source, 1)))
        return LoadedPlan(None, issues, lines, source, text, data, literal)
    try:
        document: PlanDocument | None = PlanDocument.model_validate(data)
    except ValidationError as exc:
        document = None
        loaded = LoadedPlan(None, [], lines, source, text, data, literal)
        issues += [_issue(loaded, error) for error in exc.errors()]
    return LoadedPlan(document, issues, lines, source, text, data, literal)


# --- pydantic errors in plain words ----------------------------------------------------------


def _clean_path(data: Any, loc: tuple[Any, ...]) -> PathKey:
    """The document path of a pydantic error location (drops union tags and '[key]' markers)."""
    path: list[str | int] = []
    current = data
    tag_skipped = False
    for part in loc:
        if part == "[key]":
            continue
        at_component = len(path) == 2 and path[0] == "components" and isinstance(path[1], int)
        if at_component and not tag_skipped and isinstance(current, dict) and current.get("kind") == part:
            tag_skipped = True  # the discriminated-union tag pydantic inserts after components[i]
            continue
        path.append(part)
        if isinstance(current, dict):
            current = current.get(part)
        elif isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            current = current[part]
        else:
            current = None
    return tuple(path)


def _all_field_names() -> set[str]:
    names: set[str] = set()
    seen: set[type[BaseModel]] = set()
    stack: list[type[BaseModel]] = [PlanDocument]
    while stack:
        model = stack.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, info in model.model_fields.items():
            names.add(info.alias or name)
        for sub in _submodels(model):
            stack.append(sub)
    return names


def _submodels(model: type[BaseModel]) -> list[type[BaseModel]]:
    import typing

    found: list[type[BaseModel]] = []

    def walk(annotation: Any) -> None:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            found.append(annotation)
        for arg in typing.get_args(annotation):
            walk(arg)

    for info in model.model_fields.values():
        walk(info.annotation)
    return found


_FIELD_NAMES: set[str] = set()

_EXPECTED = {
    "int": "a whole number",
    "decimal": "a number",
    "date": "a date (YYYY-MM-DD)",
    "bool": "true or false",
    "string": "text",
    "list": "a list",
    "dict": "a mapping (key: value lines)",
    "model": "a mapping",
}


def _expected(kind: str) -> str:
    for prefix, words in _EXPECTED.items():
        if kind.startswith(prefix):
            return words
    return "another kind of value"


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value if not isinstance(value, Decimal) else str(value))


def _issue(loaded: LoadedPlan, error: Any) -> Issue:
    path = _clean_path(loaded.data, tuple(error["loc"]))
    where = dotted(path) or "the plan"
    code, message = _translate(error, path, where)
    return Issue(code, message, severity=Severity.ERROR, source=loaded.at(path), record=where)


def _translate(error: Any, path: PathKey, where: str) -> tuple[str, str]:
    kind: str = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    field_name = str(path[-1]) if path else "plan"
    if kind == "missing":
        parent = dotted(path[:-1]) or "the plan"
        return MISSING, f"{parent}: `{field_name}` is required"
    if kind == "extra_forbidden":
        if not _FIELD_NAMES:
            _FIELD_NAMES.update(_all_field_names())
        close = difflib.get_close_matches(field_name, sorted(_FIELD_NAMES), n=1)
        hint = f" (did you mean `{close[0]}`?)" if close else ""
        return UNKNOWN_KEY, f"{where}: unknown field `{field_name}`{hint}"
    if kind == "union_tag_invalid":
        return (
            NOT_A_CHOICE,
            f"{where}: unknown component kind {ctx.get('tag')!r}; use one of {ctx.get('expected_tags')}",
        )
    if kind == "union_tag_not_found":
        return MISSING, f"{where}: `kind` is required (rate, tiered, multiplier, bonus, mbo or spiff)"
    if kind in ("enum", "literal_error"):
        return NOT_A_CHOICE, f"{where}: {_show(value)} is not allowed; use one of {ctx.get('expected')}"
    if kind == "string_pattern_mismatch":
        return (
            OUT_OF_RANGE,
            f"{where}: {_show(value)} is not a valid id (lowercase letters, digits and _, "
            "starting with a letter)",
        )
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        limit = ctx.get("ge", ctx.get("gt", ctx.get("le", ctx.get("lt"))))
        word = {
            "greater_than_equal": "at least",
            "greater_than": "above",
            "less_than_equal": "at most",
            "less_than": "below",
        }[kind]
        return OUT_OF_RANGE, f"{where}: {_show(value)} must be {word} {limit}"
    if kind in ("too_short", "too_long", "string_too_short", "string_too_long"):
        return OUT_OF_RANGE, f"{where}: {_too(kind, ctx)}"
    if kind == "value_error" and isinstance(ctx.get("error"), MoneyError):
        return WRONG_TYPE, f'{where}: {_show(value)} is not a number (write e.g. 0.05, "5%" or 1000)'
    if kind in ("value_error", "assertion_error"):  # a model's own rule: its message is plain words
        return SCHEMA, f"{where}: {ctx.get('error', error.get('msg', 'invalid value'))}"
    if kind == "string_type" and isinstance(value, bool):
        return (
            WRONG_TYPE,
            f"{where}: expected text, got {str(value).lower()} (YAML reads yes/no/on/off as "
            "true/false: put the text in quotes)",
        )
    if kind.endswith(("_type", "_parsing")) or kind in ("int_from_float", "date_from_datetime_inexact"):
        return WRONG_TYPE, f"{where}: expected {_expected(kind)}, got {_show(value)}"
    return SCHEMA, f"{where}: {error.get('msg', 'invalid value')}"


def _too(kind: str, ctx: Mapping[str, Any]) -> str:
    if "short" in kind:
        return (
            f"needs at least {ctx.get('min_length', 1)} item(s)"
            if kind == "too_short"
            else "must not be empty"
        )
    return f"is too long (at most {ctx.get('max_length')})"
