# The two commands: `make demo` (train the main job) and `make test` (everything CI runs).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PLUGINS := $(sort $(dir $(wildcard plugins/*/pyproject.toml)))
RUNTIME := $(VENV)/.runtime
INSTALLED := $(VENV)/.installed
# -n auto: one test process per core (pytest-xdist); coverage is combined across them.
PYTEST := $(BIN)/python -m pytest -q -p no:cacheprovider -n auto
COV := --cov=tinygrad_rnn --cov-config=pyproject.toml

.PHONY: demo test test-jit test-nojit docs doctest docs-browser-check bench clean

# The runtime install (package and plugins) is all the demo needs; tests add the dev extras.
# PYTHONWARNINGS=ignore silences setuptools' notice about editable installs in the builds.
$(RUNTIME): pyproject.toml $(addsuffix pyproject.toml,$(PLUGINS))
	@$(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --upgrade pip
	@PYTHONWARNINGS=ignore $(BIN)/python -m pip install -q -e . $(addprefix -e ./,$(PLUGINS))
	@touch $@

$(INSTALLED): $(RUNTIME)
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

# The tour: a character model whose samples improve, the vanishing gradient on the adding
# problem (the plain RNN against the LSTM), the gradient measured step by step.
DEMO := runs/demo
DEMO_CHARLM := --layers 1 --steps 500 --eval-every 100
DEMO_ADDING := --steps 800 --eval-every 100
TRAIN := $(BIN)/tinygrad-rnn train
demo: $(RUNTIME)
	@rm -rf $(DEMO)
	@echo "== 1/3  charlm: a character model of Shakespeare; watch the samples improve"
	@$(TRAIN) charlm $(DEMO_CHARLM) --out $(DEMO)/charlm
	@echo
	@echo "== 2/3  adding (T = 100): the sum of two marked values far back in the sequence"
	@$(TRAIN) adding --cell rnn $(DEMO_ADDING) --out $(DEMO)/adding-rnn --quiet
	@$(TRAIN) adding --cell lstm $(DEMO_ADDING) --out $(DEMO)/adding-lstm --quiet
	@echo
	@echo "== 3/3  gradflow: how much gradient reaches each step, at init and after training"
	@$(BIN)/tinygrad-rnn gradflow --steps 300 --out $(DEMO)/gradflow.png
	@echo
	@echo "== written: plots, metrics and checkpoints"
	@ls -1 $(DEMO)/*/*.png $(DEMO)/*.png $(DEMO)/*/checkpoint.safetensors
	@echo "try: $(BIN)/tinygrad-rnn sample $(DEMO)/charlm --prime 'ROMEO:' --length 300"

test: test-jit test-nojit docs doctest

# The whole suite with the JIT on, then the kernel, op and cell-conformance tests with it
# off (so the kernels' Python lines run, the plugins' fused ones included, and are counted);
# coverage is the union of both runs.
test-jit: $(INSTALLED)
	$(PYTEST) $(COV) --cov-report= --doctest-modules tinygrad_rnn tests $(PLUGINS)

test-nojit: test-jit
	NUMBA_DISABLE_JIT=1 $(PYTEST) $(COV) --cov-append --cov-report=term-missing:skip-covered \
		--cov-fail-under=95 tests/test_kernels.py tests/test_ops.py tests/test_conformance.py \
		tests/test_fused_paths.py tests/compiler

# The site: warnings are errors; every teaching script runs (its asserts are its test, and
# Sphinx-Gallery re-runs only scripts changed since the last build) and every internal link
# is checked. MPLBACKEND: the scripts' figures are drawn off screen.
docs: $(INSTALLED)
	MPLBACKEND=Agg $(BIN)/python -m sphinx -W --keep-going -q -b html -d docs/_build/doctrees docs docs/_build/html

doctest: $(INSTALLED)
	MPLBACKEND=Agg $(BIN)/python -m sphinx -W --keep-going -q -b doctest -d docs/_build/doctrees docs docs/_build/doctest

# Opens every built page in headless Chromium at 1280 px (apt-get install chromium) and fails
# on any unrendered TeX (the site's math must work with no network) and on any equation, code
# block, output, table or image wider than the content column. Run after `make docs`.
docs-browser-check:
	$(BIN)/python docs/_ext/math_rendered.py docs/_build/html

# Benchmarks measure wall-clock time: run them alone, never beside a test run.
bench: $(INSTALLED)
	$(BIN)/python benchmarks/engine_overhead.py
	$(BIN)/python benchmarks/recurrent_step.py
	$(BIN)/python benchmarks/product_orientation.py
	$(BIN)/python benchmarks/tasks.py
	$(BIN)/python benchmarks/word_lm.py

clean:
	rm -rf $(VENV) docs/_build docs/auto_teaching .coverage .hypothesis
