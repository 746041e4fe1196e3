# The two commands: `make demo` (train the main job) and `make test` (everything CI runs).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PLUGINS := $(sort $(dir $(wildcard plugins/*/pyproject.toml)))
INSTALLED := $(VENV)/.installed
PYTEST := $(BIN)/python -m pytest -q -p no:cacheprovider
COV := --cov=tinygrad_rnn --cov-config=pyproject.toml

.PHONY: demo test test-jit test-nojit docs doctest docs-browser-check bench clean

$(INSTALLED): pyproject.toml $(addsuffix pyproject.toml,$(PLUGINS))
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]' $(addprefix -e ./,$(PLUGINS))
	touch $@

demo: $(INSTALLED)
	$(BIN)/tinygrad-rnn train hello

test: test-jit test-nojit docs doctest

# The whole suite with the JIT on, then the kernel, op and cell-conformance tests with it
# off (so the kernels' Python lines run, the plugins' fused ones included, and are counted);
# coverage is the union of both runs.
test-jit: $(INSTALLED)
	$(PYTEST) $(COV) --cov-report= --doctest-modules tinygrad_rnn tests $(PLUGINS)

test-nojit: test-jit
	NUMBA_DISABLE_JIT=1 $(PYTEST) $(COV) --cov-append --cov-report=term-missing:skip-covered \
		--cov-fail-under=95 tests/test_kernels.py tests/test_ops.py tests/test_conformance.py \
		tests/test_fused_paths.py

# The site: warnings are errors; every teaching script runs (its asserts are its test, and
# Sphinx-Gallery re-runs only scripts changed since the last build) and every internal link
# is checked. MPLBACKEND: the scripts' figures are drawn off screen.
docs: $(INSTALLED)
	MPLBACKEND=Agg $(BIN)/python -m sphinx -W --keep-going -q -b html docs docs/_build/html

doctest: $(INSTALLED)
	MPLBACKEND=Agg $(BIN)/python -m sphinx -W --keep-going -q -b doctest docs docs/_build/doctest

# Opens every built page with math in headless Chromium (apt-get install chromium) and fails
# on any unrendered TeX: the site's math must work with no network. Run after `make docs`.
docs-browser-check:
	$(BIN)/python docs/_ext/math_rendered.py docs/_build/html

# Benchmarks measure wall-clock time: run them alone, never beside a test run.
bench: $(INSTALLED)
	$(BIN)/python benchmarks/engine_overhead.py
	$(BIN)/python benchmarks/recurrent_step.py

clean:
	rm -rf $(VENV) docs/_build docs/auto_teaching .coverage .hypothesis
