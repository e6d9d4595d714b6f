# One target per action; CI and people use the same ones.
.PHONY: setup main test unit integration e2e lint imports format typecheck bench

setup:
	bash scripts/setup.sh
main:
	bash scripts/run-main.sh
test:
	bash scripts/run-tests.sh
unit:
	.venv/bin/python -m pytest tests/unit
integration:
	.venv/bin/python -m pytest tests/integration
e2e:
	.venv/bin/python -m pytest tests/e2e
lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check assessment_engine overflow_functions autoscaler_operator platform_services exam_stack tests benchmarks
imports:
	.venv/bin/lint-imports --no-cache
format:
	.venv/bin/ruff format . && .venv/bin/ruff check --fix .
typecheck:
	.venv/bin/mypy assessment_engine overflow_functions autoscaler_operator platform_services exam_stack
bench:
	.venv/bin/python -m benchmarks.run_all
