#!/usr/bin/env bash
# The whole test suite: lint, type check, layer contract, tests on SQLite and on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export PATH="$PWD/.venv/bin:$PATH"

echo "[test] ruff";   ruff check .
echo "[test] mypy";   mypy
echo "[test] import contract"; lint-imports

echo "[test] starting PostgreSQL on loopback"
eval "$(bash scripts/postgres.sh start)"
trap 'bash scripts/postgres.sh stop >/dev/null 2>&1 || true' EXIT

echo "[test] pytest (SQLite default + PostgreSQL at $ATTAIN_TEST_POSTGRES_URL)"
set +e
pytest -n 2 "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then echo "[test] pytest collected no tests: failing"; exit 1; fi
exit "$rc"
