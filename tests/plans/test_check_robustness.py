"""Property: whatever text an analyst uploads, checking it reports issues and never crashes."""

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from attain.plans.validate import check_plan_text

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples" / "plans").glob("*.yaml"))
LINES = [path.read_text().splitlines() for path in EXAMPLES]


@given(st.text(max_size=300))
@settings(max_examples=200, deadline=None)
def test_any_text_gives_issues_not_exceptions(text):
    loaded = check_plan_text(text)
    assert loaded.document is not None or loaded.issues


@given(st.sampled_from(LINES), st.data())
@settings(max_examples=200, deadline=None)
def test_damaged_examples_give_issues_with_lines_not_exceptions(lines, data):
    damaged = list(lines)
    for _ in range(data.draw(st.integers(1, 3))):
        i = data.draw(st.integers(0, len(damaged) - 1))
        how = data.draw(st.sampled_from(["drop", "dup", "indent", "swap", "junk"]))
        if how == "drop":
            del damaged[i]
        elif how == "dup":
            damaged.insert(i, damaged[i])
        elif how == "indent":
            damaged[i] = " " + damaged[i]
        elif how == "swap" and i + 1 < len(damaged):
            damaged[i], damaged[i + 1] = damaged[i + 1], damaged[i]
        else:
            damaged[i] = damaged[i] + data.draw(st.sampled_from([" x", ": [", " 'a", "%", " # ", ": *a"]))
    loaded = check_plan_text("\n".join(damaged) + "\n")
    for issue in loaded.issues:
        assert issue.code.startswith("PLAN") and issue.message
        assert issue.source.line is None or 1 <= issue.source.line <= len(damaged) + 1


def test_aliases_and_anchors_are_followed():
    path = ROOT / "examples" / "plans" / "accelerator_above_100.yaml"
    text = path.read_text().replace('rate: "5%"', 'rate: &base "5%"', 1)
    text += "  - id: again\n    kind: rate\n    rate: *base\n"
    loaded = check_plan_text(text)
    assert loaded.issues == [] and loaded.document is not None
    assert loaded.document.components[-1].rate == loaded.document.components[0].rate
