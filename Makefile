# cjm: run an engagement's pipeline and its tests.  make help
ENGAGEMENT ?= demo
E := $(ENGAGEMENT)
PYTHON ?= python3
VENV := .venv/.installed
PY := .venv/bin/python

.DELETE_ON_ERROR:
.PHONY: all test help demo-data lab clean

help:  ## list the commands
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*##/\t/'

$(VENV): pyproject.toml
	test -d .venv || $(PYTHON) -m venv .venv
	.venv/bin/pip install -q --upgrade pip
	.venv/bin/pip install -q -e '.[dev]'
	touch $@

data/$(E)/raw/.complete: cjm/demo.py cjm/demo_voice.py | $(VENV)
	$(PY) -m cjm.demo $(E)

demo-data: data/$(E)/raw/.complete  ## generate the demo engagement's raw exports

all: demo-data  ## set up, generate the demo and run the pipeline (steps land issue by issue)

test: $(VENV)  ## set up, then run the tests
	$(PY) -m pytest -q -n 2 tests

lab: $(VENV)  ## JupyterLab on the project's environment
	.venv/bin/jupyter lab --allow-root

clean:  ## remove outputs and interim tables of ENGAGEMENT (raw and private data are kept)
	rm -rf outputs/$(E) data/$(E)/interim
