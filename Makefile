# chotdon: `make demo` runs the product on embedded Postgres and Redis; `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: demo test lint types contracts fmt bench screenshots chaos clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

demo: $(INSTALLED)
	$(BIN)/chotdon demo

# Tests run in TEST_WORKERS processes (pytest-xdist): each test has its own database and each
# process its own Redis database, and the suite waits on servers more than it computes.
TEST_WORKERS ?= 2
test: lint types contracts
	$(BIN)/pytest -n $(TEST_WORKERS)

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(INSTALLED)
	$(BIN)/mypy schema aggregator connectors workers

contracts: $(INSTALLED)
	$(BIN)/lint-imports

fmt: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The README's pictures are the browser tests' own screenshots (phone-sized, 360 px wide).
SCREENSHOTS := dashboard-2-rising staff-3-pick-list buyer-2-filled
screenshots: $(INSTALLED)
	$(BIN)/pytest -q -p no:cacheprovider tests/browser
	mkdir -p docs/screenshots
	for name in $(SCREENSHOTS); do cp test-artifacts/$$name.png docs/screenshots/; done

# Every figure of issue 21, each against a baseline measured in the same run (README "Capacity").
bench: $(INSTALLED)
	$(BIN)/chotdon bench parse
	$(BIN)/chotdon bench ingest
	$(BIN)/chotdon bench dashboard
	$(BIN)/chotdon bench webhooks
	$(BIN)/chotdon bench partitions

chaos: $(INSTALLED)
	$(BIN)/chotdon chaos

clean:
	rm -rf $(VENV) .chotdon-data .mypy_cache .ruff_cache .pytest_cache
