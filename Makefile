# Everything a developer or CI needs: `make run`, `make test`. Each target sets itself up.
.PHONY: setup run test bench lint clean postgres screenshots

VENV := .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?= -q -n 2
STREAMLIT_ARGS ?=

setup:
	@scripts/setup.sh

postgres: setup
	@scripts/start-postgres.sh

# The embedded SQLite sample is built on first run unless DATABASE_URL points elsewhere.
run: setup
	@if [ -z "$$DATABASE_URL" ] && [ ! -f data/missing.db ]; then \
		echo "run: building the sample database data/missing.db"; \
		$(PY) -m sample_data build; \
	fi
	@$(PY) -m loaders users ensure-demo  # first start only: an admin with a random password, printed once
	$(VENV)/bin/streamlit run app_server.py $(STREAMLIT_ARGS)

test: postgres
	$(PY) -m pytest $(PYTEST_ARGS)

bench: postgres
	$(PY) -m bench.run

# The gates CI runs before the tests: lint rules, formatting, types below the UI (pyproject.toml says which).
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# Every page, normal and meeting mode, into docs/screenshots/ (sample in data/screenshots.db, built once).
screenshots: setup
	$(PY) -m scripts.screenshots

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache bench/*.csv
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
