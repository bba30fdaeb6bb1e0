# dialoogbot: `make run` starts the bot, `make test` runs lint and the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The Microsoft 365 Agents Playground (Teams emulator) for tests/teams, pinned in its lock file.
PLAYGROUND := tests/teams/playground
PLAYGROUND_STAMP := $(PLAYGROUND)/node_modules/.installed

.PHONY: run test lint install demo clean playground

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Without npm the Teams playground test is skipped (it must run in CI, where npm is present).
$(PLAYGROUND_STAMP): $(PLAYGROUND)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		cd $(PLAYGROUND) && npm ci --no-audit --no-fund && touch $(CURDIR)/$(PLAYGROUND_STAMP); \
	else \
		echo "npm not found: the Teams playground test will be skipped (install Node.js 20 to run it)"; \
	fi

playground: $(PLAYGROUND_STAMP)

run: $(STAMP)
	$(BIN)/dialoogbot serve

demo: $(STAMP)
	$(BIN)/dialoogbot demo --participants 25

lint: $(STAMP)
	$(BIN)/ruff check bot adapters storage tests benchmarks
	$(BIN)/ruff format --check bot adapters storage tests benchmarks
	$(BIN)/mypy

test: lint playground
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) $(PLAYGROUND)/node_modules build *.egg-info .pytest_cache .mypy_cache .ruff_cache
