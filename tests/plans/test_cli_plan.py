"""`attain plan check | schema | publish | list` as an analyst uses them."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from attain.cli.main import app
from attain.plans.jsonschema import plan_json_schema

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "plans" / "marginal_tiers.yaml"
BROKEN = Path(__file__).parent / "broken"
runner = CliRunner()


def test_check_prints_file_line_code_message_and_fails_on_errors():
    path = BROKEN / "tier_bound_below_previous.yaml"
    result = runner.invoke(app, ["plan", "check", str(path)])
    assert result.exit_code == 1
    assert f"{path}:19: [PLAN014] tier upper bound 50% is below the previous bound 60%" in result.stdout


def test_check_of_good_files_exits_zero():
    result = runner.invoke(app, ["plan", "check", str(EXAMPLE), str(ROOT / "examples/plans/flat_rate.yaml")])
    assert result.exit_code == 0, result.output


def test_check_reports_every_file(tmp_path: Path):
    result = runner.invoke(
        app, ["plan", "check", str(BROKEN / "tier_gap.yaml"), str(BROKEN / "unknown_measure.yaml")]
    )
    assert result.exit_code == 1
    assert "[PLAN015]" in result.stdout and "[PLAN011]" in result.stdout


def test_warnings_only_exit_zero(tmp_path: Path):
    quotas = tmp_path / "quota.csv"
    quotas.write_text(
        "assignee_id,measure,period_start,period_end,amount\nann,revenue,2017-01-01,2017-03-31,1\n"
    )
    plan = ROOT / "examples" / "plans" / "hybrid_curve.yaml"
    result = runner.invoke(app, ["plan", "check", "--quotas", str(quotas), str(plan)])
    assert result.exit_code == 0
    assert "[PLAN021]" in result.stdout and "(warning)" in result.stdout


def test_published_schema_is_up_to_date():
    published = json.loads((ROOT / "docs" / "plan-schema.json").read_text())
    assert published == plan_json_schema(), "run: attain plan schema --out docs/plan-schema.json"


def test_schema_command_writes_the_schema(tmp_path: Path):
    out = tmp_path / "schema.json"
    assert runner.invoke(app, ["plan", "schema", "--out", str(out)]).exit_code == 0
    schema = json.loads(out.read_text())
    assert schema["title"] == "PlanDocument" and "from" in json.dumps(schema["$defs"]["Tier"])


@pytest.fixture
def db(migrated_url: str) -> str:
    """A migrated store, on SQLite and on PostgreSQL."""
    return migrated_url


def test_publish_then_list(db: str):
    result = runner.invoke(app, ["plan", "publish", str(EXAMPLE), "--database-url", db])
    assert result.exit_code == 0, result.output
    assert "published plan marginal_tiers version 1" in result.stdout
    listed = runner.invoke(app, ["plan", "list", "--database-url", db])
    assert "marginal_tiers" in listed.stdout and "published" in listed.stdout


def test_publishing_the_same_document_again_is_a_no_op_but_a_change_is_refused(db: str, tmp_path: Path):
    assert runner.invoke(app, ["plan", "publish", str(EXAMPLE), "--database-url", db]).exit_code == 0
    recommented = tmp_path / "same.yaml"
    recommented.write_text("# a new comment only\n" + EXAMPLE.read_text())
    again = runner.invoke(app, ["plan", "publish", str(recommented), "--database-url", db])
    assert again.exit_code == 0 and "unchanged" in again.stdout
    changed = tmp_path / "changed.yaml"
    changed.write_text(EXAMPLE.read_text().replace('rate: "8%"', 'rate: "9%"'))
    refused = runner.invoke(app, ["plan", "publish", str(changed), "--database-url", db])
    assert refused.exit_code == 1 and "[PLAN050]" in refused.stdout


def test_a_change_is_a_new_version_with_a_later_effective_date(db: str, tmp_path: Path):
    assert runner.invoke(app, ["plan", "publish", str(EXAMPLE), "--database-url", db]).exit_code == 0
    v2 = tmp_path / "v2.yaml"
    text = EXAMPLE.read_text().replace("version: 1", "version: 2").replace('rate: "8%"', 'rate: "9%"')
    v2.write_text(text)
    same_day = runner.invoke(app, ["plan", "publish", str(v2), "--database-url", db])
    assert same_day.exit_code == 1 and "[PLAN052]" in same_day.stdout
    v2.write_text(text.replace("effective_from: 2017-01-01", "effective_from: 2017-07-01"))
    assert runner.invoke(app, ["plan", "publish", str(v2), "--database-url", db]).exit_code == 0
    listed = runner.invoke(app, ["plan", "list", "marginal_tiers", "--database-url", db]).stdout
    assert "2017-07-01" in listed


def test_a_plan_with_errors_is_never_published(db: str):
    result = runner.invoke(app, ["plan", "publish", str(BROKEN / "tier_gap.yaml"), "--database-url", db])
    assert result.exit_code == 1 and "[PLAN015]" in result.stdout
    assert "no plan versions" in runner.invoke(app, ["plan", "list", "--database-url", db]).stdout


def test_check_a_folder_and_as_json():
    result = runner.invoke(app, ["plan", "check", "--json", str(BROKEN)])
    assert result.exit_code == 1
    problems = json.loads(result.stdout)
    assert {"file", "line", "code", "severity", "message", "record"} <= set(problems[0])
    assert {p["code"] for p in problems} >= {"PLAN014", "PLAN015", "PLAN100", "PLAN130"}
    clean = runner.invoke(app, ["plan", "check", "--json", str(ROOT / "examples" / "plans")])
    assert clean.exit_code == 0 and json.loads(clean.stdout) == []


def test_check_text_for_the_web_editor():
    from attain.services.plans import check_text

    text = (BROKEN / "tier_gap.yaml").read_text()
    (issue,) = check_text(text, "editor.yaml")
    assert str(issue).startswith("editor.yaml:17: [PLAN015]")


def test_show_prints_the_published_document(db: str):
    assert runner.invoke(app, ["plan", "publish", str(EXAMPLE), "--database-url", db]).exit_code == 0
    shown = runner.invoke(app, ["plan", "show", "marginal_tiers", "--database-url", db])
    assert shown.exit_code == 0 and EXAMPLE.read_text() in shown.stdout
    missing = runner.invoke(app, ["plan", "show", "nope", "--database-url", db])
    assert missing.exit_code == 1
