# accelkit: `make lab` to learn, `make test` to check everything, `make run` to execute all notebooks.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.accelkit-installed
TEST_STAMP := $(VENV)/.accelkit-test-installed
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings
# JupyterLab refuses to run as root unless told; these lab machines run as root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
NOTEBOOKS := notebooks
TEST_PATHS := tests $(NOTEBOOKS) $(wildcard solutions)

.PHONY: venv test-venv lab test lint run bench exercises clean

$(STAMP): pyproject.toml requirements-nodeps.txt data/jupyterlab-overrides.json
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@# optimum-intel without its torchvision requirement (see the file).
	$(BIN)/python -m pip install --quiet --no-deps -r requirements-nodeps.txt
	@# Classroom default: JupyterLab never asks about, nor fetches, news or updates.
	@mkdir -p $(LAB_SETTINGS) && cp data/jupyterlab-overrides.json $(LAB_SETTINGS)/overrides.json
	@# Notebook 01's OpenVINO EP packages (plugin + legacy build), each in its own folder (accelkit eps).
	$(BIN)/accelkit eps install
	@touch $@

# The test extra (playwright, for the browser test) on top of the learner's install.
$(TEST_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

venv: $(STAMP)

lab: venv
	@echo "Opening JupyterLab on $(NOTEBOOKS)/ — open the http://127.0.0.1:8888/lab?token=... URL printed below."
	$(BIN)/jupyter lab --notebook-dir=. --ServerApp.default_url=/lab/tree/$(NOTEBOOKS) --ip=127.0.0.1 --no-browser $(ROOT_FLAG) \
		--LabApp.news_url=None --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate

test-venv: $(TEST_STAMP)

# The one test command (README, CI): unit tests + nbval on every notebook and solution, quick mode.
# Every Python process it starts (pytest, kernels, JupyterLab) loads tests/offline/sitecustomize.py:
# a connection to anything but loopback is refused and logged, and a non-empty log fails the run.
test: $(TEST_STAMP) lint
	@mkdir -p build && rm -f build/test-progress.json* build/test-netlog.txt
	ACCELKIT_QUICK=1 ACCELKIT_NO_BARS=1 ACCELKIT_PROGRESS=$(CURDIR)/build/test-progress.json \
	ACCELKIT_NETLOG=$(CURDIR)/build/test-netlog.txt PYTHONPATH=$(CURDIR)/tests/offline \
	$(BIN)/python -m pytest $(TEST_PATHS) --nbval --nbval-current-env \
		--nbval-sanitize-with nbval-sanitize.cfg --nbval-cell-timeout=600 -p no:cacheprovider -q

# Lint and types (part of `make test`): ruff over the package, tests and benchmarks; mypy over the package.
lint: $(TEST_STAMP)
	$(BIN)/ruff check accelkit tests benchmarks
	$(BIN)/mypy

run: venv
	$(BIN)/accelkit run $(NOTEBOOKS) --out build

bench: venv
	$(BIN)/python benchmarks/suite.py --out build

exercises: venv
	$(BIN)/accelkit exercises

clean:
	rm -rf build
