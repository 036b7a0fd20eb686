# The two commands of the README. Each does its own set-up first (scripts/setup.sh).
PROMPT ?=
OUT ?= film
PY = .venv/bin/python

.PHONY: setup film test train

setup:
	@bash scripts/setup.sh

film: setup
	$(PY) render.py render --all --out $(OUT) $(if $(PROMPT),--prompt "$(PROMPT)")

test: setup
	$(PY) -m pytest

train: setup
	.venv/bin/pip install -q -e ".[train]"
	$(PY) -m model.train
