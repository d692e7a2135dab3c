# ttcsim: set up, test and run. Every target creates .venv on first use.
#   make demo   - the dual-track experiment: both shipped scenarios, figures and table in results/
#   make test   - the test suite
#   make analysis - validation, counterfactuals, sensitivity, discovery, calibration (results/)
#   make dashboard - the interactive dashboard on http://127.0.0.1:8765/
#   make docs  - rewrite the generated tables of docs/ODD.md
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8765

# A Python >= 3.12: python3 if new enough, else python3.12 / python3.13, else pyenv's versions.
define find_python
for c in python3 python3.13 python3.12 $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python 2>/dev/null | sort -rV); do \
  p=$$(command -v $$c 2>/dev/null) || continue; \
  "$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo "$$p"; exit 0; }; \
done; exit 1
endef

.PHONY: setup test demo analysis dashboard bench docs lint typecheck clean

$(STAMP): pyproject.toml
	@py=$$($(find_python)) || { echo "error: ttcsim needs Python >= 3.12 (Mesa 3.4+ requires it); none found as python3, python3.12, python3.13 or under pyenv. Install one (e.g. 'pyenv install 3.12') and retry." >&2; exit 1; }; \
	echo "using $$py ($$($$py --version))"; \
	[ -x $(BIN)/python ] && $(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null || { rm -rf $(VENV); "$$py" -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	@touch $(STAMP)

setup: $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

demo: $(STAMP)
	$(BIN)/python experiments/dual_track.py

dashboard: $(STAMP)
	@echo "ttcsim dashboard on http://127.0.0.1:$(PORT)/ (Ctrl-C to stop)"
	$(BIN)/solara run sim.app --host 127.0.0.1 --port $(PORT) --production --no-open

analysis: $(STAMP)
	$(BIN)/python experiments/analysis.py

bench: $(STAMP)
	$(BIN)/python experiments/benchmark.py

docs: $(STAMP)
	$(BIN)/python experiments/odd_tables.py

lint: $(STAMP)
	$(BIN)/ruff check sim tests experiments

typecheck: $(STAMP)
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .mypy_cache .ruff_cache
