# cjm: run an engagement's pipeline and its tests.  make help
#
# A graph of files: each executed notebook depends on its source notebook, its section
# of the engagement's params, the steps whose outputs it reads, and the cjm modules it
# imports (directly or not: $(DEPS), written by cjm.core.deps), so editing a map renderer
# reruns 07 and the report only. Raw exports and params sections are compared by content
# (cjm.core.manifest, run as Make starts): a file restored with an older time reruns
# nothing, a changed byte reruns 01. Before any step, a preflight checks the params and
# every source in seconds. A step publishes its tables, report files and executed
# notebook together or not at all (cjm.core.runner); a failed step says one message.
# Nothing changed: `make all` does nothing (and `make -n all` lists nothing). Make compares
# times; a step it reruns whose notebook, params, code and the tables it reads are as at its
# last run, by content, is not run again (cjm.core.stamps): a change of 04's params that
# leaves the tables 05 reads as they were reruns 04, not 05.
# Steps that do not read each other's outputs run side by side (04 -> 05 beside 06), JOBS at
# a time (JOBS=1: one after another, as the tests' makes do, two pytest workers sharing the
# cores already); each says its start and end on lines of its own and, on
# a terminal, draws a bar of its cells and long loops (never into the notebooks or the report).
# Each step's kernel is forked from a process that has imported the heavy libraries once
# (cjm.core.warm; CJM_WARM_KERNEL=0: kernels started afresh).
ENGAGEMENT ?= demo
E := $(ENGAGEMENT)
# ROOT: the folder holding params/, data/ and outputs/ (default: this project)
ROOT ?= .
W := $(if $(filter .,$(ROOT)),,$(ROOT)/)
export CJM_ROOT := $(abspath $(ROOT))
# numpy asks the kernel for huge pages on large arrays; where the kernel compacts memory to
# find them (transparent_hugepage/defrag = madvise, Debian's and Ubuntu's default), 06 spent a
# third of its time on a 10-million-event log in page faults. Off for every step (and test).
export NUMPY_MADVISE_HUGEPAGE ?= 0
PYTHON ?= python3
JOBS ?= 2
MAKEFLAGS += -j$(JOBS)
# progress bars (tqdm) only on a terminal: none in a CI log
ifeq ($(shell [ -t 2 ] && echo terminal),)
export TQDM_DISABLE := 1
endif
VENV := .venv/.installed
PY := .venv/bin/python
OUT := $(W)outputs/$(E)
NB := $(OUT)/notebooks
SECTIONS := $(OUT)/.params
CJM := $(wildcard cjm/*.py cjm/*/*.py)
DEPS := $(OUT)/.deps.mk
# the raw exports by content; the demo engagements' are generated (rerun when the generator changes)
MANIFEST := $(W)data/$(E)/.raw.sha256
DEMO_RAW := $(if $(shell grep -s '^demo:' $(W)params/$(E).yaml),$(W)data/$(E)/raw/.complete)
PREFLIGHT := $(OUT)/.preflight
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
	.venv/bin/pip install -q -e .
	@touch $@

# what the tests need on top: pytest and its plugins, pm4py for cross-checks, pyspark
TEST_VENV := .venv/.installed-test
$(TEST_VENV): pyproject.toml | $(VENV)
	.venv/bin/pip install -q -e '.[dev,spark]'
	@touch $@

$(W)data/%/raw/.complete: $(wildcard demo/*.py) | $(VENV)
	$(PY) -m demo $*

demo-data: $(W)data/$(E)/raw/.complete  ## generate the demo engagement's raw exports

# The raw manifest and one file per params section, each rewritten only when its content
# changes: brought up to date as Make starts, made by the rules below when missing.
ifeq ($(filter help clean test lab,$(MAKECMDGOALS)),)
ifneq ($(wildcard $(PY)),)
_ := $(shell CJM_ROOT=$(CJM_ROOT) $(PY) -m cjm.core.manifest $(E) 2>/dev/null)
endif
endif
$(MANIFEST): | $(VENV) $(DEMO_RAW)
	$(PY) -m cjm.core.manifest $(E)
$(SECTIONS)/%.yaml: | $(VENV) $(DEMO_RAW)
	$(PY) -m cjm.core.manifest $(E)

# Every problem of the params and the sources, in seconds, before any step runs (the warm
# kernels' zygote starts meanwhile: cjm.core.warm).
$(PREFLIGHT): $(W)params/$(E).yaml $(MANIFEST) | $(VENV)
	@$(PY) -m cjm.core.warm start
	@$(PY) -m cjm.steps.preflight $(E)
	@touch $@

define run_step
	@$(PY) -m cjm.core.runner $(E) $< $@ $(filter-out $(EXECUTED),$^)
endef

# Each step after the steps whose outputs it reads: 05 reads 04's open answers, 06 the
# segments of 03, 07 the tables of 04, 05 and 06.
$(NB)/01_anonymize.ipynb: notebooks/01_anonymize.ipynb $(SECTIONS)/anonymize.yaml $(MANIFEST) $(DEMO_RAW) | $(PREFLIGHT)
	$(run_step)
$(NB)/02_clean.ipynb: notebooks/02_clean.ipynb $(SECTIONS)/clean.yaml $(NB)/01_anonymize.ipynb | $(PREFLIGHT)
	$(run_step)
$(NB)/03_segment.ipynb: notebooks/03_segment.ipynb $(SECTIONS)/segment.yaml $(NB)/02_clean.ipynb | $(PREFLIGHT)
	$(run_step)
$(NB)/04_survey.ipynb: notebooks/04_survey.ipynb $(SECTIONS)/survey.yaml $(NB)/03_segment.ipynb | $(PREFLIGHT)
	$(run_step)
$(NB)/05_interviews.ipynb: notebooks/05_interviews.ipynb $(SECTIONS)/interviews.yaml $(NB)/04_survey.ipynb | $(PREFLIGHT)
	$(run_step)
$(NB)/06_funnel.ipynb: notebooks/06_funnel.ipynb $(SECTIONS)/funnel.yaml $(NB)/03_segment.ipynb | $(PREFLIGHT)
	$(run_step)
$(NB)/07_cjm.ipynb: notebooks/07_cjm.ipynb $(SECTIONS)/maps.yaml $(NB)/04_survey.ipynb $(NB)/05_interviews.ipynb \
		$(NB)/06_funnel.ipynb | $(PREFLIGHT)
	$(run_step)

$(OUT)/report/index.html: $(EXECUTED) $(SECTIONS)/report.yaml
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

test: $(TEST_VENV) data/demo/raw/.complete  ## set up, then run the tests (pytest, then nbval on the notebooks)
	MAKEFLAGS= JOBS=1 $(PY) -m pytest -q -n 2 --dist loadgroup tests
	$(PY) -m pytest -q --nbval-lax --nbval-current-env notebooks/

lab: $(VENV)  ## JupyterLab on the project's environment
	.venv/bin/jupyter lab --allow-root

clean:  ## remove outputs, interim tables and cache of ENGAGEMENT (raw and private data are kept)
	rm -rf $(OUT) $(W)data/$(E)/interim $(W)data/$(E)/.staging $(W)data/$(E)/logs $(W)data/$(E)/cache
