"""Every example plan checks clean; every broken plan reports exactly its expected codes at its lines."""

from pathlib import Path

import pytest

from attain.plans.validate import check_plan

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples" / "plans").glob("*.yaml"))
BROKEN = sorted((Path(__file__).parent / "broken").glob("*.yaml"))


def test_the_library_is_complete():
    assert len(EXAMPLES) >= 25


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_checks_clean(path):
    loaded = check_plan(path)
    assert [str(issue) for issue in loaded.issues] == []
    assert loaded.document is not None


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_explains_its_business_intent(path):
    header = []
    for line in path.read_text().splitlines():
        if not line.startswith("#"):
            break
        header.append(line)
    assert len(header) >= 3, "each example starts with a comment header explaining the intent"
    assert any("Intent" in line for line in header)


def _expected(path: Path) -> list[tuple[str, int]]:
    first = path.read_text().splitlines()[0]
    assert first.startswith("# expect:")
    return [(item.split(":")[0], int(item.split(":")[1])) for item in first.split(":", 1)[1].split()]


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_broken_plan_reports_its_code_and_line(path):
    issues = check_plan(path).issues
    assert sorted((i.code, i.source.line) for i in issues) == sorted(_expected(path))
    assert all(i.source.file == str(path) for i in issues)


def test_every_schema_field_is_documented():
    from attain.plans.load import _all_field_names

    doc = (ROOT / "docs" / "plan-language.md").read_text()
    assert sorted(n for n in _all_field_names() if f"`{n}`" not in doc) == []


def test_every_example_is_in_the_language_reference_index():
    doc = (ROOT / "docs" / "plan-language.md").read_text()
    assert [p.name for p in EXAMPLES if f"`{p.name}`" not in doc] == []
