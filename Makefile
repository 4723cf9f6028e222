# cjm: run an engagement's pipeline and its tests.  make help
#
# A graph of files: each executed notebook depends on its source notebook, its section
# of the engagement's params, the steps whose outputs it reads, and the cjm modules it
# imports (directly or not: $(DEPS), written by cjm.core.deps), so editing a map renderer
# reruns 07 and the report only. A step that fails leaves nothing Make would take as done
# (papermill writes to a temporary name, moved into place on success). Nothing changed:
# `make all` does nothing.
ENGAGEMENT ?= demo
E := $(ENGAGEMENT)
# ROOT: the folder holding params/, data/ and outputs/ (default: this project)
ROOT ?= .
W := $(if $(filter .,$(ROOT)),,$(ROOT)/)
export CJM_ROOT := $(abspath $(ROOT))
PYTHON ?= python3
VENV := .venv/.installed
PY := .venv/bin/python
OUT := $(W)outputs/$(E)
NB := $(OUT)/notebooks
SECTIONS := $(OUT)/.params
CJM := $(wildcard cjm/*.py cjm/*/*.py)
DEPS := $(OUT)/.deps.mk
# the demo engagements are generated; a client's raw exports are whatever is in raw/
RAW := $(if $(shell grep -s '^demo:' $(W)params/$(E).yaml),$(W)data/$(E)/raw/.complete,$(shell find $(W)data/$(E)/raw -type f 2>/dev/null))
STEPS := 01_anonymize 02_clean 03_segment 04_survey 05_interviews 06_funnel 07_cjm
EXECUTED := $(STEPS:%=$(NB)/%.ipynb)

.DELETE_ON_ERROR:
.PHONY: all test help demo-data lab report clean

all: $(OUT)/.leak-check  ## set up, generate the demo, run the pipeline, build the report, check for leaks

help:  ## list the commands
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*##/\t/'

$(VENV): pyproject.toml
	test -d .venv || $(PYTHON) -m venv .venv
	.venv/bin/pip install -q --upgrade pip
	.venv/bin/pip install -q -e '.[dev]'
	touch $@

$(W)data/%/raw/.complete: $(wildcard demo/*.py) | $(VENV)
	$(PY) -m demo $*

demo-data: $(W)data/$(E)/raw/.complete  ## generate the demo engagement's raw exports

# One file per params section, rewritten only when its content changes, so a change
# to one step's params reruns that step and those after it.
$(SECTIONS)/.split: $(W)params/$(E).yaml | $(VENV)
	$(PY) -m cjm.core.params split $(E)
	touch $@
$(SECTIONS)/%.yaml: $(SECTIONS)/.split ;

define papermill
	mkdir -p $(@D)
	.venv/bin/papermill -k python3 --no-progress-bar -p engagement $(E) $< $(@D)/.tmp.$(@F)
	mv $(@D)/.tmp.$(@F) $@
endef

# Each step after the steps whose outputs it reads: 05 reads 04's open answers, 06 the
# segments of 03, 07 the tables of 04, 05 and 06.
$(NB)/01_anonymize.ipynb: notebooks/01_anonymize.ipynb $(SECTIONS)/anonymize.yaml $(RAW)
	$(papermill)
$(NB)/02_clean.ipynb: notebooks/02_clean.ipynb $(SECTIONS)/clean.yaml $(NB)/01_anonymize.ipynb
	$(papermill)
$(NB)/03_segment.ipynb: notebooks/03_segment.ipynb $(SECTIONS)/segment.yaml $(NB)/02_clean.ipynb
	$(papermill)
$(NB)/04_survey.ipynb: notebooks/04_survey.ipynb $(SECTIONS)/survey.yaml $(NB)/03_segment.ipynb
	$(papermill)
$(NB)/05_interviews.ipynb: notebooks/05_interviews.ipynb $(SECTIONS)/interviews.yaml $(NB)/04_survey.ipynb
	$(papermill)
$(NB)/06_funnel.ipynb: notebooks/06_funnel.ipynb $(SECTIONS)/funnel.yaml $(NB)/03_segment.ipynb
	$(papermill)
$(NB)/07_cjm.ipynb: notebooks/07_cjm.ipynb $(SECTIONS)/maps.yaml $(NB)/04_survey.ipynb $(NB)/05_interviews.ipynb \
		$(NB)/06_funnel.ipynb
	$(papermill)

$(OUT)/report/index.html: $(EXECUTED)
	$(PY) -m cjm.present.report $(E)

report: $(OUT)/report/index.html  ## render the executed notebooks to HTML without code

$(OUT)/.leak-check: $(OUT)/report/index.html $(EXECUTED)
	$(PY) -m cjm.privacy.leaks $(E)

# The modules each target imports; rewritten when a module or a notebook changes.
$(DEPS): $(CJM) $(wildcard notebooks/0*.ipynb) | $(VENV)
	mkdir -p $(@D)
	$(PY) -m cjm.core.deps > $@.tmp
	mv $@.tmp $@
ifeq ($(filter help clean,$(MAKECMDGOALS)),)
-include $(DEPS)
endif

test: $(VENV) data/demo/raw/.complete  ## set up, then run the tests (pytest, then nbval on the notebooks)
	$(PY) -m pytest -q -n 2 --dist loadgroup tests
	$(PY) -m pytest -q --nbval-lax --nbval-current-env notebooks/

lab: $(VENV)  ## JupyterLab on the project's environment
	.venv/bin/jupyter lab --allow-root

clean:  ## remove outputs and interim tables of ENGAGEMENT (raw and private data are kept)
	rm -rf $(OUT) $(W)data/$(E)/interim
