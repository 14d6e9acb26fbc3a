"""The sample company (MavenTech): load the Maven CRM dataset through the public importers.

``load_demo`` follows ``examples/company/maven/company.yaml``: each step imports one file (from the
dataset, from that folder, or generated here) with its mapping file, exactly as ``attain import``
would. Where the dataset has nothing (quotas, activities, plan assignments, users) this module makes
deterministic, documented-as-synthetic data (docs/importing.md, "The sample company"), and it
publishes the two demo plans (examples/company/maven/plans). Loading twice changes nothing the
second time: every import is an idempotent upsert, identical plan versions and users are kept.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import polars as pl
import yaml
from sqlalchemy import Connection, insert, select

from attain.core.errors import AttainError
from attain.services.imports import ImportReport, import_file
from attain.store.db import transaction
from attain.store.tables import app_user

DATASET = "datasets/maven-crm-sales-opportunities"
SEED = 2017
QUOTA_YEAR = 2017
QUOTA_ROUNDING = Decimal(1000)
AE_PLAN, MANAGER_PLAN = "maven_ae", "maven_manager"
AE_TARGET_INCENTIVE, MANAGER_TARGET_INCENTIVE = "40000", "60000"
ROSTER_START = "2016-01-01"

DEMO_USERS = (  # username, password (demo only), role, payee
    ("admin", "attain-admin-demo", "admin", None),
    ("finance", "attain-finance-demo", "finance", None),
    ("melvin", "attain-manager-demo", "manager", "Melvin Marxen"),
    ("darcel", "attain-rep-demo", "rep", "Darcel Schlecht"),
)
"""Demo sign-ins, documented in docs/importing.md. Never use these passwords anywhere real."""


def company_folder() -> Path:
    """examples/company/maven of this checkout."""
    from attain.settings import REPO_ROOT

    return REPO_ROOT / "examples" / "company" / "maven"


def dataset_folder(data: str | Path | None = None) -> Path:
    """The Maven dataset: ``data`` if given, else ``<shared_dir>/datasets/maven-crm-sales-opportunities``."""
    if data is not None:
        return Path(data)
    from attain.settings import get_settings

    return get_settings().shared_dir / DATASET


@dataclass(frozen=True)
class DemoResult:
    """The report of every import step and the demo users present."""

    reports: list[ImportReport]
    users: list[str] = field(default_factory=list)
    plans: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(report.imported for report in self.reports)

    def summary(self) -> str:
        totals: dict[str, int] = {}
        for report in self.reports:
            totals[report.entity] = totals.get(report.entity, 0) + report.rows_selected
        created = sum(r.created for r in self.reports)
        listed = ", ".join(f"{n:,} {entity}" for entity, n in totals.items())
        return f"{listed}; {created:,} records created this time"


def load_demo(url: str, data: str | Path | None = None, actor: str = "demo",
              progress: Callable[[str], None] | None = None, work: Path | None = None) -> DemoResult:
    """Import the sample company into ``url`` (idempotent); stops at the first refused step."""
    tell = progress or (lambda _step: None)
    source = dataset_folder(data)
    if not (source / "sales_pipeline.csv").is_file():
        raise AttainError(f"the Maven dataset is not in {source} (use --data or ATTAIN_SHARED_DIR)")
    company = company_folder()
    synthetic = work or _work_folder()
    tell("generating synthetic data")
    write_synthetic(source, synthetic)
    reports = []
    for step in yaml.safe_load((company / "company.yaml").read_text())["steps"]:
        path = _resolve(step["source"], source, synthetic, company)
        mapping = company / step["mapping"] if step.get("mapping") else None
        tell(f"{step['entity']} ← {path.name}")
        report = import_file(url, step["entity"], path, mapping, actor=actor)
        reports.append(report)
        if not report.imported:
            return DemoResult(reports)
    tell("plans")
    plans = publish_demo_plans(url, actor)
    tell("users")
    return DemoResult(reports, ensure_demo_users(url, actor), plans)


def _work_folder() -> Path:
    from attain.settings import get_settings

    folder = get_settings().home / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _resolve(source: str, dataset: Path, synthetic: Path, company: Path) -> Path:
    kind, _, name = source.partition(":")
    if not name:
        return company / source
    return {"dataset": dataset, "synthetic": synthetic}[kind] / name


# -- synthetic data -----------------------------------------------------------------------------


def write_synthetic(dataset: Path, folder: Path) -> None:
    """Write quota.csv, activity.csv and plan_assignment.csv (deterministic) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    teams = pl.read_csv(dataset / "sales_teams.csv", infer_schema=False)
    pipeline = pl.read_csv(dataset / "sales_pipeline.csv", infer_schema=False)
    quotas(teams, pipeline).write_csv(folder / "quota.csv")
    activities(pipeline).write_csv(folder / "activity.csv")
    plan_assignments(teams).write_csv(folder / "plan_assignment.csv")


def _quarters(year: int) -> list[tuple[str, str]]:
    ends = ("03-31", "06-30", "09-30", "12-31")
    return [(f"{year}-{3 * i + 1:02d}-01", f"{year}-{end}") for i, end in enumerate(ends)]


def agent_quarterly_quota(team_won_value: Decimal, team_agents: int) -> Decimal:
    """The rule: a team's 2017 won value ÷ its agents ÷ 4 quarters, rounded half-even to 1,000."""
    per_quarter = team_won_value / team_agents / 4
    return (per_quarter / QUOTA_ROUNDING).quantize(Decimal(1), rounding=ROUND_HALF_EVEN) * QUOTA_ROUNDING


def quotas(teams: pl.DataFrame, pipeline: pl.DataFrame) -> pl.DataFrame:
    """Quarterly ``bookings`` quotas: each agent by the rule above, each manager the sum of the team's."""
    won = (pipeline.filter(pl.col("deal_stage") == "Won")
           .join(teams.select("sales_agent", "manager"), on="sales_agent")
           .group_by("manager").agg(pl.col("close_value").cast(pl.Int64).sum().alias("won")))
    size = teams.group_by("manager").agg(pl.len().alias("agents"))
    per_team = {row["manager"]: agent_quarterly_quota(Decimal(row["won"]), row["agents"])
                for row in won.join(size, on="manager").iter_rows(named=True)}
    rows = []
    for start, end in _quarters(QUOTA_YEAR):
        for agent, manager in teams.select("sales_agent", "manager").iter_rows():
            rows.append((agent, start, end, per_team[manager]))
        for manager, agents in size.sort("manager").iter_rows():
            rows.append((manager, start, end, per_team[manager] * agents))
    frame = pl.DataFrame(rows, schema=["assignee_id", "period_start", "period_end", "amount"], orient="row")
    return frame.select(
        pl.lit("payee").alias("assignee_kind"), "assignee_id", pl.lit("bookings").alias("measure"),
        "period_start", "period_end", pl.col("amount").cast(pl.String), pl.lit("USD").alias("currency"),
        pl.lit("1").alias("version"),
    ).sort("assignee_id", "period_start")


def plan_assignments(teams: pl.DataFrame) -> pl.DataFrame:
    """Agents on maven_ae, managers on maven_manager, for 2017, with their annual target incentive."""
    agents = teams.select(pl.col("sales_agent").alias("payee_id"), pl.lit(AE_PLAN).alias("plan_id"),
                          pl.lit(AE_TARGET_INCENTIVE).alias("target_incentive"))
    managers = teams.select(pl.col("manager").alias("payee_id")).unique().select(
        "payee_id", pl.lit(MANAGER_PLAN).alias("plan_id"),
        pl.lit(MANAGER_TARGET_INCENTIVE).alias("target_incentive"))
    return pl.concat([agents, managers]).with_columns(
        valid_from=pl.lit(f"{QUOTA_YEAR}-01-01"), valid_to=pl.lit(f"{QUOTA_YEAR}-12-31"),
    ).sort("plan_id", "payee_id")


def activities(pipeline: pl.DataFrame) -> pl.DataFrame:
    """Calls, meetings, quotes and follow-ups made up from each deal's dates (fixed seed; see the docs)."""
    rng = random.Random(SEED)
    rows: list[tuple[str, ...]] = []
    for deal in pipeline.sort("opportunity_id").iter_rows(named=True):
        rows += _deal_activities(deal, rng)
    return pl.DataFrame(rows, schema=["activity_id", "payee_id", "kind", "occurred_at", "account_id",
                                      "opportunity_id", "outcome", "duration_minutes"], orient="row")


def _at(day: date, rng: random.Random) -> str:
    moment = datetime(day.year, day.month, day.day, 9) + timedelta(minutes=15 * rng.randrange(32))
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _deal_activities(deal: dict[str, str | None], rng: random.Random) -> list[tuple[str, ...]]:
    events: list[tuple[str, date, str, int]] = []  # kind, day, outcome, minutes
    engage = date.fromisoformat(deal["engage_date"]) if deal["engage_date"] else None
    close = date.fromisoformat(deal["close_date"]) if deal["close_date"] else None
    if engage is None:  # Prospecting: one first call late in 2017
        events.append(("call", date(2017, 12, 31) - timedelta(days=rng.randrange(60)), "first contact", 10))
    else:
        events.append(("call", engage - timedelta(days=rng.randint(1, 10)), "discovery", rng.randint(5, 30)))
        events.append(("meeting_scheduled", engage, "demo booked", 0))
        meeting = engage + timedelta(days=rng.randint(3, 14))
        held = rng.random() < 0.85
        minutes = rng.choice((30, 45, 60)) if held else 0
        events.append(("meeting_held" if held else "meeting_cancelled", meeting,
                       "demo given" if held else "customer cancelled", minutes))
        if close is not None:
            quote = max(meeting, close - timedelta(days=rng.randint(5, 20)))
            events.append(("quote_sent", quote, "quote sent", 0))
            gap = rng.randint(1, 7) if deal["deal_stage"] == "Won" else rng.randint(14, 30)
            events.append(("follow_up", close + timedelta(days=gap), deal["deal_stage"] or "", 15))
        elif meeting + timedelta(days=7) <= date(2017, 12, 31):
            events.append(("follow_up", meeting + timedelta(days=7), "awaiting decision", 15))
    return [
        (f"{deal['opportunity_id']}-{n}", str(deal["sales_agent"]), kind, _at(day, rng),
         deal["account"] or "", str(deal["opportunity_id"]), outcome, str(minutes))
        for n, (kind, day, outcome, minutes) in enumerate(events, start=1)
    ]


# -- users --------------------------------------------------------------------------------------


def ensure_demo_users(url: str, actor: str = "demo") -> list[str]:
    """Add the demo users that are missing (existing ones are left alone, so reruns change nothing)."""
    from attain.services.auth import hash_password, record_change
    from attain.services.users import check_password

    with transaction(url, actor=actor) as conn:
        present = _usernames(conn)
        for username, password, role, payee in DEMO_USERS:
            if username in present:
                continue
            check_password(username, password)
            conn.execute(insert(app_user).values(username=username, password_hash=hash_password(password),
                                                 role=role, payee_id=payee))
            record_change(conn, "create", "app_user", username, None,
                          {"username": username, "role": role, "payee_id": payee})
    return [username for username, *_ in DEMO_USERS]


def _usernames(conn: Connection) -> set[str]:
    return set(conn.execute(select(app_user.c.username)).scalars())


# -- plans --------------------------------------------------------------------------------------


def publish_demo_plans(url: str, actor: str = "demo") -> list[str]:
    """Publish examples/company/maven/plans/*.yaml (a published identical version is left as is)."""
    from attain.services.plans import publish_file

    done = []
    for path in sorted((company_folder() / "plans").glob("*.yaml")):
        published = publish_file(url, path, actor)
        done.append(f"{published.plan_id} v{published.version} ({published.outcome})")
    return done
