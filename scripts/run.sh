#!/usr/bin/env bash
# The main job: install everything, create the database, load the sample company, calculate,
# and serve the web app on http://127.0.0.1:${ATTAIN_PORT:-8000} (embedded SQLite by default).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export PATH="$PWD/.venv/bin:$PATH"

attain init
attain demo
attain run --year 2017
echo "[run] open http://127.0.0.1:${ATTAIN_PORT:-8000} (demo users are listed in docs/importing.md)"
# one worker process per core (ATTAIN_WORKERS overrides): one is GIL-bound at 300-400 req/s (docs/web.md)
exec attain serve --host 127.0.0.1 --port "${ATTAIN_PORT:-8000}" --workers "${ATTAIN_WORKERS:-$(nproc)}"
