"""The published JSON Schema of plan documents (docs/plan-schema.json), generated from the models."""

from __future__ import annotations

from typing import Any

from attain.plans.schema import PlanDocument

SCHEMA_ID = "https://attain.dev/schemas/plan.json"


def plan_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a plan document as authors write it (aliases such as `from`)."""
    schema = PlanDocument.model_json_schema(by_alias=True, mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}
