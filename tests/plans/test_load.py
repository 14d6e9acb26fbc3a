"""Reading plan files: lines of every key, exact decimals, duplicate keys, plain schema messages."""

from decimal import Decimal
from pathlib import Path

from attain.plans.load import load_plan, load_plan_text

PLAN = """\
plan: demo
version: 1
effective_from: 2017-01-01
credit_rules:
  - id: owner
    kind: owner
components:
  - id: commission
    kind: tiered
    measure: bookings
    tiers:
      - {from: 0, to: 100000, rate: 0.1}
      - {from: 100000, rate: "12.5%"}
measures:
  - id: bookings
"""


def test_a_good_plan_loads_with_lines_of_every_key():
    loaded = load_plan_text(PLAN, "plan.yaml")
    assert loaded.ok and loaded.issues == []
    assert loaded.line_of[("components", 0, "tiers", 1)] == 13
    assert loaded.line_of[("components", 0, "measure")] == 10
    assert loaded.line(("components", 0, "tiers", 1, "rate")) == 13  # flow mapping: same line
    assert loaded.line(("nowhere", 3)) is None


def test_yaml_floats_stay_exact_decimals():
    doc = load_plan_text(PLAN).document
    assert doc is not None
    tiers = doc.components[0].tiers
    assert tiers[0].rate == Decimal("0.1") and str(tiers[0].rate) == "0.1"
    assert tiers[1].rate == Decimal("0.125")


def test_a_path_loads_and_names_the_file(tmp_path: Path):
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN.replace("rate: 0.1", "rate: ten"))
    loaded = load_plan(path)
    assert loaded.document is None
    (issue,) = loaded.issues
    assert (
        str(issue) == f"{path}:12: [PLAN006] components[0].tiers[0].rate: 'ten' is not a number "
        '(write e.g. 0.05, "5%" or 1000)'
    )
    assert load_plan(str(path)).source == str(path)


def test_a_missing_file_is_an_issue_not_a_crash(tmp_path: Path):
    loaded = load_plan(tmp_path / "nope.yaml")
    assert [i.code for i in loaded.issues] == ["PLAN001"]


def test_duplicate_keys_are_reported_with_both_lines():
    loaded = load_plan_text(
        PLAN.replace("    measure: bookings\n", "    measure: bookings\n    measure: x\n")
    )
    (issue,) = [i for i in loaded.issues if i.code == "PLAN002"]
    assert issue.source.line == 11 and "first at line 10" in issue.message


def test_messages_are_plain_words_not_pydantic_jargon():
    text = PLAN.replace("version: 1", "version: 0").replace("kind: owner", "kind: boss")
    text = text.replace("effective_from: 2017-01-01", "effective_from: 2017-02-30")
    messages = {i.code: (i.source.line, i.message) for i in load_plan_text(text).issues}
    assert messages["PLAN008"] == (2, "version: 0 must be at least 1")
    assert messages["PLAN006"] == (3, "effective_from: expected a date (YYYY-MM-DD), got '2017-02-30'")
    assert (
        messages["PLAN007"][0] == 6 and "'boss' is not allowed; use one of 'owner'" in messages["PLAN007"][1]
    )
    for _, message in messages.values():
        assert "Input should" not in message and "pydantic" not in message


def test_union_tag_does_not_leak_into_paths():
    text = PLAN.replace("    measure: bookings\n", "    measure: bookings\n    rat: 1\n")
    (issue,) = load_plan_text(text).issues
    assert issue.code == "PLAN005" and issue.record == "components[0].rat" and issue.source.line == 11
    assert "did you mean `rate`" in issue.message


def test_missing_fields_point_at_their_parent():
    text = PLAN.replace("    measure: bookings\n", "")
    (issue,) = load_plan_text(text).issues
    assert (issue.code, issue.source.line, issue.message) == (
        "PLAN004",
        8,
        "components[0]: `measure` is required",
    )


def test_not_a_mapping_and_empty_and_bad_yaml():
    assert [i.code for i in load_plan_text("").issues] == ["PLAN003"]
    assert [i.code for i in load_plan_text("- a\n- b\n").issues] == ["PLAN003"]
    bad = load_plan_text("plan: x\ncredit_rules: [\n")
    assert [i.code for i in bad.issues] == ["PLAN001"] and bad.issues[0].source.line is not None


def test_json_documents_load_too():
    import json

    import yaml

    data = yaml.safe_load(PLAN)
    data["effective_from"] = "2017-01-01"
    data["components"][0]["tiers"][0]["rate"] = "0.1"
    assert load_plan_text(json.dumps(data)).document is not None


def test_a_model_rule_keeps_its_own_words():
    from pydantic import BaseModel, ValidationError, model_validator

    from attain.plans.load import LoadedPlan, _issue

    class Rule(BaseModel):
        share: int

        @model_validator(mode="after")
        def _check(self) -> "Rule":
            raise ValueError("installment shares must total 100%")

    try:
        Rule(share=1)
    except ValidationError as exc:
        error = exc.errors()[0]
    issue = _issue(LoadedPlan(None, [], {}, "p.yaml", "", {}), error)
    assert (issue.code, issue.message) == ("PLAN009", "the plan: installment shares must total 100%")


def test_yaml_booleans_and_numbers_as_names():
    text = PLAN.replace("    kind: owner\n", "    kind: overlay\n    territory_role: yes\n")
    (issue,) = load_plan_text(text).issues
    assert issue.code == "PLAN006" and "put the text in quotes" in issue.message
    table = PLAN.split("components:")[0] + (
        "components:\n  - id: by_term\n    kind: rate\n    rate_table:\n      by: contract_term_months\n"
        '      rates: {12: "3%", 24: "5%", on: "1%"}\n'
    )
    doc = load_plan_text(table).document
    assert doc is not None and doc.components[0].rate_table is not None
    assert doc.components[0].rate_table.rates == {
        "12": Decimal("0.03"),
        "24": Decimal("0.05"),
        "on": Decimal("0.01"),
    }


def test_a_missing_file_named_as_text_is_plan001():
    (issue,) = load_plan("no/such/plan.yaml").issues
    assert issue.code == "PLAN001" and issue.source.file == "no/such/plan.yaml"
