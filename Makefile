# archconform: two commands on a fresh machine with Python 3.11 — `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
DEMO   := build/demo
# NOTE: setuptools prints an informational "Editable installation" notice on every editable
# install (all three editable modes do); only that notice is filtered, deprecations still show.
EDITABLE_QUIET := PYTHONWARNINGS=ignore::UserWarning:setuptools.command.editable_wheel

.PHONY: demo test lint typecheck layers unit browser-deps bench fuzz corpus corpus-baseline clean golden docs

$(STAMP): pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(EDITABLE_QUIET) $(PY) -m pip install --quiet -e '.[test]'
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

# Regenerate the golden reports of the fixture systems (review the diff like code) and the rule pages.
golden: $(STAMP)
	ARCHCONFORM_UPDATE_GOLDEN=1 $(VENV)/bin/pytest -q tests/reporting/test_golden.py

docs: $(STAMP)
	$(PY) -m analyzer rules docs --split docs/rules

bench: $(STAMP)
	$(PY) benchmarks/run.py

# Mutation fuzzing of every input kind, in-process (figures: tests/fuzz/README.md). Crashes are
# saved under fixtures/hostile/fuzz/ and replayed by the quick profile in `make test`.
FUZZ_INPUTS ?= 10000
fuzz: $(STAMP)
	$(PY) -m tests.fuzz.run --inputs $(FUZZ_INPUTS)

# The scored corpus (benchmarks/corpus/README.md): needs bare mirrors of the systems, so not part of `test`.
MIRRORS     ?= ../.mirror
CORPUS_JOBS ?= 1
CORPUS_ARGS ?=
corpus: $(STAMP)
	$(PY) benchmarks/corpus/run.py --mirrors $(MIRRORS) --jobs $(CORPUS_JOBS) $(CORPUS_ARGS)

# The same run with another checkout's code (BASELINE=DIR, its venv made with `make .venv/.installed-stamp`).
corpus-baseline: $(STAMP)
	$(PY) benchmarks/corpus/run.py --mirrors $(MIRRORS) --jobs $(CORPUS_JOBS) --section baseline \
		--python $(BASELINE)/.venv/bin/python --analyzer-root $(BASELINE) $(CORPUS_ARGS)

clean:
	rm -rf build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
