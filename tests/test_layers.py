"""Layer contract: the pure layers (core ... engine) import no web framework, ORM or driver."""

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "attain"
PURE = ["core", "plans", "components", "crediting", "engine"]
FORBIDDEN = {"fastapi", "starlette", "sqlalchemy", "alembic", "psycopg", "uvicorn", "jinja2",
             "attain.store", "attain.api", "attain.web", "attain.services", "attain.cli"}
CORE_ALLOWED_THIRD_PARTY: set[str] = set()


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _violations(package: str, forbidden: set[str], src: Path = SRC) -> list[str]:
    found = []
    for path in (src / package).rglob("*.py"):
        for name in _imports(path):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                found.append(f"{path.relative_to(src)} imports {name}")
    return found


def test_pure_layers_import_no_framework_orm_or_driver():
    problems = [v for pkg in PURE for v in _violations(pkg, FORBIDDEN)]
    assert problems == []


def test_core_is_standard_library_only():
    import sys

    stdlib = set(sys.stdlib_module_names) | {"attain", "__future__"}
    problems = [
        f"{p.relative_to(SRC)} imports {n}"
        for p in (SRC / "core").rglob("*.py")
        for n in _imports(p)
        if n.split(".")[0] not in stdlib
    ]
    assert problems == []


def test_the_contract_catches_a_violation(tmp_path):
    bad = tmp_path / "engine"
    bad.mkdir()
    (bad / "leak.py").write_text("import sqlalchemy\n")
    assert _violations("engine", FORBIDDEN, tmp_path) == ["engine/leak.py imports sqlalchemy"]
