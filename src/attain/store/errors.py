"""The store's error codes (DB...): registered once, documented in docs/errors.md ("DB")."""

from __future__ import annotations

from attain.core.errors import register

PUBLISHED_IS_IMMUTABLE = register("DB001", "a published plan version cannot be changed; save a new version")
DUPLICATE_KEY = register("DB002", "the same business key appears more than once in one batch of rows")
VALUE_DOES_NOT_FIT = register(
    "DB003", "a value does not fit its column exactly (too many decimal places or digits, or a float)"
)
UNKNOWN_ENTITY_OR_COLUMN = register("DB004", "no such entity, or a column the entity does not have")
MISSING_KEY = register("DB005", "a key field is missing or empty, or a required field is missing")
NOT_FOUND = register("DB006", "the record asked for does not exist (plan, plan version, run)")
NOT_MIGRATED = register("DB007", "the database is not created or not upgraded: run `attain init`")
