# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_DB ?= demo/arcollect-demo.db
DEMO_ACCOUNTS ?= 1500

.PHONY: demo test bench install clean screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(BIN)/arcollect --db $(DEMO_DB) demo --accounts $(DEMO_ACCOUNTS)
	$(BIN)/arcollect --db $(DEMO_DB)

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/run.py --skip-demo
	$(BIN)/python bench/first_paint.py
	$(BIN)/python bench/suite.py

clean:
	rm -rf $(VENV) demo build *.egg-info
