# dialoogbot: `make run` starts the bot, `make test` runs lint and the whole suite.
# Both install from the hash-pinned lock files into .venv: `make run` only requirements.txt
# (what running needs), `make test` also requirements-dev.txt (the dev tools). `make lock`
# refreshes the pins.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check
RUN_STAMP := $(VENV)/.run-installed
DEV_STAMP := $(VENV)/.dev-installed
# `make lock` runs pip-compile from its own throwaway venv, with pinned pip-tools (and pip,
# whose internals pip-tools uses).
LOCK_VENV  := .venv-lock
LOCK_PIP       := 26.3
LOCK_PIP_TOOLS := 7.6.2
LOCK_STAMP := $(LOCK_VENV)/.installed-pip-$(LOCK_PIP)-pip-tools-$(LOCK_PIP_TOOLS)
# The Microsoft 365 Agents Playground (Teams emulator) for tests/teams, pinned in its lock file.
PLAYGROUND := tests/teams/playground
PLAYGROUND_STAMP := $(PLAYGROUND)/node_modules/.installed

# `make run PORT=4000 HOST=0.0.0.0` passes --port/--host to `dialoogbot serve` (default
# 127.0.0.1:3978). Only from make's command line: a HOST or PORT the shell happens to export
# (tcsh exports HOST) must not move the server.
SERVE_ARGS := $(if $(filter command line,$(origin HOST)),--host $(HOST)) \
	$(if $(filter command line,$(origin PORT)),--port $(PORT))

.PHONY: run test lint install demo clean playground lock lock-diff

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# --no-deps: the lock is the whole tree, nothing else is resolved or fetched. The project
# itself is built without build isolation, with the setuptools and wheel from the lock.
$(RUN_STAMP): requirements.txt pyproject.toml | $(BIN)/python
	$(PIP) install --quiet --require-hashes --no-deps -r requirements.txt
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	touch $@

# requirements-dev.txt is a superset of requirements.txt with the same versions, so on top
# of the runtime install this adds only the dev tools.
$(DEV_STAMP): requirements-dev.txt $(RUN_STAMP)
	$(PIP) install --quiet --require-hashes --no-deps -r requirements-dev.txt
	touch $@

install: $(DEV_STAMP)

# Without npm the Teams playground test is skipped (it must run in CI, where npm is present).
$(PLAYGROUND_STAMP): $(PLAYGROUND)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		cd $(PLAYGROUND) && npm ci --no-audit --no-fund && touch $(CURDIR)/$(PLAYGROUND_STAMP); \
	else \
		echo "npm not found: the Teams playground test will be skipped (install Node.js 20 to run it)"; \
	fi

playground: $(PLAYGROUND_STAMP)

run: $(RUN_STAMP)
	$(BIN)/dialoogbot serve $(strip $(SERVE_ARGS))

demo: $(RUN_STAMP)
	$(BIN)/dialoogbot demo --participants 25

lint: $(DEV_STAMP)
	$(BIN)/ruff check bot adapters storage tests benchmarks
	$(BIN)/ruff format --check bot adapters storage tests benchmarks
	$(BIN)/mypy

test: lint playground
	$(BIN)/python -m pytest -q

# Locks are made on Python 3.11, the oldest supported: a dependency that only older Pythons
# need is then in the lock, and --no-deps installs on newer ones just carry it along.
$(LOCK_STAMP):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) and "make lock needs Python 3.11, the oldest supported: make lock PYTHON=python3.11")'
	rm -rf $(LOCK_VENV)
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet --disable-pip-version-check \
		pip==$(LOCK_PIP) pip-tools==$(LOCK_PIP_TOOLS)
	touch $@

# pip and the build-system requires (setuptools, wheel) come in on stdin ("via -r -" in the
# files), so the editable build in `make run` uses pinned tools too. Index and find-links
# options of the machine that locks stay out of the files.
LOCK_INPUT = { echo pip; $(LOCK_VENV)/bin/python -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"], sep="\n")'; }
# `make lock` moves every pin to the newest release the ranges allow; `make lock LOCK_UPGRADE=`
# keeps the pins and only adds or drops what pyproject.toml changed.
LOCK_UPGRADE ?= --upgrade
LOCK_COMPILE = $(LOCK_VENV)/bin/pip-compile --quiet $(LOCK_UPGRADE) --generate-hashes --allow-unsafe \
	--strip-extras --no-header --no-emit-index-url --no-emit-find-links --no-emit-trusted-host
LOCK_HEADER = \# Pinned with hashes by `make lock` (pip-compile on Python 3.11); do not edit by hand.\n\# Refresh: `make lock`, then name the pins that moved (it prints them) in the commit message.\n
lock: $(LOCK_STAMP)
	$(LOCK_INPUT) | $(LOCK_COMPILE) -o requirements.txt pyproject.toml -
	$(LOCK_INPUT) | $(LOCK_COMPILE) --extra dev -c requirements.txt -o requirements-dev.txt pyproject.toml -
	printf '$(LOCK_HEADER)# What running needs: pyproject.toml [project] dependencies, pip and the build requires.\n' \
		| cat - requirements.txt > $(LOCK_VENV)/out && mv $(LOCK_VENV)/out requirements.txt
	printf '$(LOCK_HEADER)# requirements.txt plus the dev extra, at the same versions (-c requirements.txt); usable alone.\n' \
		| cat - requirements-dev.txt > $(LOCK_VENV)/out && mv $(LOCK_VENV)/out requirements-dev.txt
	@$(MAKE) --no-print-directory lock-diff

# Every pin that moved since the last commit, one line each, for the commit message.
lock-diff:
	@mkdir -p $(LOCK_VENV); for f in requirements.txt requirements-dev.txt; do \
		git show HEAD:$$f > $(LOCK_VENV)/committed 2>/dev/null || : > $(LOCK_VENV)/committed; \
		awk -v f=$$f ' \
			/^[A-Za-z0-9][^ ]*==/ { \
				split($$1, p, "=="); seen[p[1]] = 1; \
				if (FILENAME == ARGV[1]) { old[p[1]] = p[2]; nold++ } else { new[p[1]] = p[2]; nnew++ } } \
			END { if (!nold) { print f ": new, " nnew " pins"; exit } \
				for (k in seen) \
				if (!(k in old)) print f ": " k " " new[k] " (new)"; \
				else if (!(k in new)) print f ": " k " " old[k] " (gone)"; \
				else if (old[k] != new[k]) print f ": " k " " old[k] " -> " new[k] }' \
			$(LOCK_VENV)/committed $$f; \
	done | sort > $(LOCK_VENV)/moved
	@echo "Pins moved since the last commit:"; sed 's/^/  /' $(LOCK_VENV)/moved; \
		test -s $(LOCK_VENV)/moved || echo "  none"

clean:
	rm -rf $(VENV) $(LOCK_VENV) $(PLAYGROUND)/node_modules build *.egg-info .pytest_cache .mypy_cache .ruff_cache
