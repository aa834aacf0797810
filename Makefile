# archconform: two commands on a fresh machine with Python 3.11 — `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
DEMO   := build/demo

.PHONY: demo test lint typecheck layers unit browser-deps bench fuzz clean

$(STAMP): pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	@mkdir -p $(DEMO)
	$(PY) -m analyzer scan fixtures/systems/ecommerce-violations \
		--html $(DEMO)/report.html --sarif $(DEMO)/report.sarif \
		--json $(DEMO)/report.json --markdown $(DEMO)/summary.md --fail-on never
	@echo
	@echo "Demo reports written to $(DEMO)/:"
	@echo "  $(DEMO)/report.html   architecture review (open in a browser)"
	@echo "  $(DEMO)/report.sarif  SARIF 2.1.0 for code scanning"
	@echo "  $(DEMO)/report.json   findings and graph as JSON"
	@echo "  $(DEMO)/summary.md    pull-request summary"

# Headless Chromium for the real-browser test of the HTML report (Debian package; root in CI).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing chromium for the HTML browser test"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
		|| echo "WARNING: could not install chromium; browser tests will fail"; }

lint: $(STAMP)
	$(VENV)/bin/ruff check analyzer tests benchmarks
	$(VENV)/bin/ruff format --check analyzer tests benchmarks

typecheck: $(STAMP)
	$(VENV)/bin/mypy analyzer

layers: $(STAMP)
	$(VENV)/bin/lint-imports

unit: $(STAMP) browser-deps
	$(VENV)/bin/pytest

test: lint typecheck layers unit

bench: $(STAMP)
	$(PY) benchmarks/run.py

# Mutation fuzzing of every input kind, in-process (figures: tests/fuzz/README.md). Crashes are
# saved under fixtures/hostile/fuzz/ and replayed by the quick profile in `make test`.
FUZZ_INPUTS ?= 10000
fuzz: $(STAMP)
	$(PY) -m tests.fuzz.run --inputs $(FUZZ_INPUTS)

clean:
	rm -rf build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
