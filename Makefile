# Lianxin — the two commands: `make run` and `make test`.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint typecheck schema clean-data fonts

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11+ is required"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[embedded,dev]'
	@$(MAKE) --no-print-directory fonts
	@touch $(STAMP)

install: $(STAMP)

## A TrueType Chinese font for contact cards and charts (embedded in the PDF): Debian/Ubuntu's
## fonts-wqy-zenhei when no Chinese TrueType font is installed; elsewhere install one yourself.
fonts:
	@fc-list ':lang=zh:fontformat=TrueType' file 2>/dev/null | grep -q . || \
	  { command -v apt-get >/dev/null 2>&1 && \
	    { [ "$$(id -u)" = 0 ] && { apt-get update -qq; apt-get install -y --no-install-recommends fonts-wqy-zenhei; } || \
	      { sudo -n apt-get update -qq; sudo -n apt-get install -y --no-install-recommends fonts-wqy-zenhei; }; } >/dev/null 2>&1 || \
	    echo "note: no Chinese TrueType font found; install fonts-wqy-zenhei (or another) for contact cards"; }

## Run the whole service: embedded PostgreSQL + Redis (unless DATABASE_URL/REDIS_URL), API and worker.
run: $(STAMP)
	$(BIN)/lianxin dev

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

## Lint, type-check and run every test against real PostgreSQL and Redis.
test: lint
	$(BIN)/pytest -n 2 --dist loadfile

## Re-export schema.graphql from the code.
schema: $(STAMP)
	$(BIN)/lianxin schema > schema.graphql

clean-data:
	rm -rf .lianxin
