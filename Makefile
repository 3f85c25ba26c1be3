# accelkit: `make lab` to learn, `make test` to check everything, `make run` to execute all notebooks.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.accelkit-installed
# JupyterLab refuses to run as root unless told; these lab machines run as root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
NOTEBOOKS := notebooks
TEST_PATHS := tests $(NOTEBOOKS) $(wildcard solutions)

.PHONY: venv lab test run bench exercises clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

venv: $(STAMP)

lab: venv
	@echo "Opening JupyterLab on $(NOTEBOOKS)/ — open the http://127.0.0.1:8888/lab?token=... URL printed below."
	$(BIN)/jupyter lab --notebook-dir=. --ServerApp.default_url=/lab/tree/$(NOTEBOOKS) --ip=127.0.0.1 --no-browser $(ROOT_FLAG)

# The one test command (README, CI): unit tests + nbval on every notebook and solution, quick mode.
test: venv
	@mkdir -p build && rm -f build/test-progress.json*
	ACCELKIT_QUICK=1 ACCELKIT_NO_BARS=1 ACCELKIT_PROGRESS=$(CURDIR)/build/test-progress.json $(BIN)/python -m pytest $(TEST_PATHS) --nbval --nbval-current-env \
		--nbval-sanitize-with nbval-sanitize.cfg --nbval-cell-timeout=600 -p no:cacheprovider -q

run: venv
	$(BIN)/accelkit run $(NOTEBOOKS) --out build

bench: venv
	$(BIN)/python benchmarks/suite.py --out build

exercises: venv
	$(BIN)/accelkit exercises

clean:
	rm -rf build
