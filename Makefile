# Lianxin — the two commands: `make run` and `make test`.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

GRAPHIQL := services/api/graphiql
GRAPHIQL_BUNDLE := services/api/lianxin_api/static/graphiql/manifest.json
TS_CLIENT := examples/typescript-client

.PHONY: run test install lint schema-lint typecheck schema clean-data graphiql client-test-tools fonts

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11+ is required"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[embedded,dev]'
	@$(MAKE) --no-print-directory fonts
	@touch $(STAMP)

## GraphiQL's page loads a bundle this server serves (no CDN), built from its npm packages when npm is
## here; without it the page says how to build it.
graphiql:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory $(GRAPHIQL_BUNDLE); \
	else echo "npm not found: GraphiQL (development only) is not built; install Node.js 20+ and run make install"; fi

$(GRAPHIQL_BUNDLE): $(GRAPHIQL)/package-lock.json $(GRAPHIQL)/build.mjs $(GRAPHIQL)/src/main.jsx
	cd $(GRAPHIQL) && npm ci --no-audit --no-fund --loglevel=error && npm run build

install: $(STAMP) graphiql

## What the client tests drive: Debian's chromium (GraphiQL offline; apt-get when root) and the
## TypeScript example's npm packages. Without them those tests skip, except on CI, where they fail.
client-test-tools:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing chromium (apt-get)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "chromium not found and not root: the GraphiQL browser test will be skipped"; fi
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory $(TS_CLIENT)/node_modules/.package-lock.json; fi

$(TS_CLIENT)/node_modules/.package-lock.json: $(TS_CLIENT)/package-lock.json
	cd $(TS_CLIENT) && npm ci --no-audit --no-fund --loglevel=error

## A TrueType Chinese font for contact cards and charts (embedded in the PDF): Debian/Ubuntu's
## fonts-wqy-zenhei when no Chinese TrueType font is installed; elsewhere install one yourself.
fonts:
	@fc-list ':lang=zh:fontformat=TrueType' file 2>/dev/null | grep -q . || \
	  { command -v apt-get >/dev/null 2>&1 && \
	    { [ "$$(id -u)" = 0 ] && { apt-get update -qq; apt-get install -y --no-install-recommends fonts-wqy-zenhei; } || \
	      { sudo -n apt-get update -qq; sudo -n apt-get install -y --no-install-recommends fonts-wqy-zenhei; }; } >/dev/null 2>&1 || \
	    echo "note: no Chinese TrueType font found; install fonts-wqy-zenhei (or another) for contact cards"; }

## Run the whole service: embedded PostgreSQL + Redis (unless DATABASE_URL/REDIS_URL), API and worker.
run: $(STAMP) graphiql
	$(BIN)/lianxin dev

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

## schema.graphql documents itself: graphql-schema-linter's description rules (a devDependency of the
## TypeScript example, installed by client-test-tools) must find nothing. Skipped without npm.
schema-lint: client-test-tools
	@if command -v npm >/dev/null 2>&1; then cd $(TS_CLIENT) && npm run --silent lint:schema; \
	else echo "npm not found: graphql-schema-linter not run (tests/api/test_schema_descriptions.py still checks)"; fi

## Lint, type-check and run every test against real PostgreSQL and Redis.
test: lint schema-lint graphiql client-test-tools
	$(BIN)/pytest -n 2 --dist loadfile

## Re-export schema.graphql from the code.
schema: $(STAMP)
	$(BIN)/lianxin schema > schema.graphql

clean-data:
	rm -rf .lianxin
