# relmkt: `make reports` and `make test` set everything up from a fresh clone (Python 3.11 + pip).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.relmkt-installed
JOBS   ?= 2

.PHONY: reports test test-slow lab kernel validate clean-reports env bench

env: $(STAMP)

# Bootstrap: create .venv if absent, install the project with pinned versions, register the
# environment's own `python3` kernel inside the venv so papermill and nbval never pick another one.
# The packages are installed by uv (from PyPI, pinned in constraints.txt), which resolves and installs them
# in about 40 s where pip takes 3-4 minutes; where uv cannot be installed, pip does the same job.
PIP_INSTALL = if $(BIN)/python -m uv --version >/dev/null 2>&1; then \
	  $(BIN)/python -m uv pip install --quiet --python $(BIN)/python -c constraints.txt $(1); \
	else $(BIN)/python -m pip install --quiet -c constraints.txt $(1); fi

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt uv || echo "uv not available: installing with pip"
	@$(call PIP_INSTALL,-e '.[test]')
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (relmkt)" >/dev/null
	touch $(STAMP)

reports: $(STAMP)
	$(BIN)/relmkt run --jobs $(JOBS)

# The Spark engine of btyd.rfm_summary (extra `spark`: pyspark, about 450 MB) is installed for the tests
# where Java runs; elsewhere its tests skip, except under CI=true, where they fail (.ci/run installs Java).
SPARK_STAMP := $(VENV)/.relmkt-spark-installed
SPARK_EXTRAS := .[test,spark]
$(SPARK_STAMP): $(STAMP)
	@if command -v java >/dev/null 2>&1; then \
	  { $(call PIP_INSTALL,-e '$(SPARK_EXTRAS)'); } && touch $@; \
	else echo "no java: extra 'spark' not installed; the Spark engine tests will skip"; fi

test: $(STAMP) $(SPARK_STAMP)
	JUPYTER_PREFER_ENV_PATH=1 $(BIN)/python -m pytest -n $(JOBS) --dist loadfile --nbval-lax --nbval-current-env tests notebooks

test-slow: $(STAMP)
	$(BIN)/python -m pytest -m slow tests

validate: $(STAMP)
	@for d in data/*/; do $(BIN)/relmkt validate $$d || exit 2; done

# JupyterLab of this environment, with its own `python3` kernel (registered by the bootstrap).
lab: $(STAMP)
	JUPYTER_PREFER_ENV_PATH=1 $(BIN)/jupyter lab notebooks/ $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

# For a JupyterLab installed elsewhere: register this environment as the kernel "relmkt (.venv)".
kernel: $(STAMP)
	$(BIN)/python -m ipykernel install --user --name relmkt-venv --display-name "relmkt (.venv)"

# Benchmarks against Lifetimes 0.11.3, which lives in its own environment (it needs numpy 1.x):
# nothing is installed into .venv. Writes bench/RESULTS.md and bench/results.png (about 25 min here).
PEER := bench/.venv-lifetimes
$(PEER)/.installed: bench/requirements-lifetimes.txt
	test -x $(PEER)/bin/python || $(PYTHON) -m venv $(PEER)
	$(PEER)/bin/python -m pip install --quiet -r bench/requirements-lifetimes.txt
	touch $@

bench: $(STAMP) $(PEER)/.installed
	$(BIN)/python -m bench --peer-python $(PEER)/bin/python $(BENCH_ARGS)
	$(BIN)/python -m bench.customer_value --customers 100000,1000000 --output bench/CLV_INTERVALS.md

clean-reports:
	rm -rf reports/*/ reports/index.html reports/index.json
