# The two commands of the README: `make run` and `make test`.
.PHONY: run test lint bench

run:
	bash scripts/run.sh

test:
	bash scripts/test.sh

lint:
	.venv/bin/ruff check . && .venv/bin/mypy && .venv/bin/lint-imports

bench:
	.venv/bin/python benchmarks/engine_bench.py
