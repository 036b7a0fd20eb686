# The two commands of the README. Each does its own set-up first (scripts/setup.sh).
PROMPT ?=
NARRATION ?= festival
OUT ?= film
PY = .venv/bin/python

.PHONY: setup film test train bench

setup:
	@bash scripts/setup.sh

film: setup
	$(PY) render.py render --all --jobs 2 --out $(OUT) --narration $(NARRATION) $(if $(PROMPT),--prompt "$(PROMPT)")

test:
	@bash scripts/setup.sh --test
	$(PY) -m pytest -n 2         # two test processes: the 2-core machine in about 12 min

# rebuilds the corpus from Debian packages, the tokenizer and both checkpoints (about 2 hours)
train: setup
	@dpkg -s r-cran-janeaustenr sword-text-web wordnet-base >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends r-cran-janeaustenr sword-text-web wordnet-base)
	.venv/bin/pip install -q -e ".[train]"
	$(PY) -m model.train --retokenize

# the stock baseline (DecimalMatrix) needs LaTeX; the explainer itself does not
bench: setup
	@dpkg -s texlive-latex-extra dvisvgm >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends texlive-latex-base texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended dvisvgm)
	$(PY) tests/benchmarks/components.py
	@dpkg -s pocketsphinx-en-us >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends pocketsphinx pocketsphinx-en-us)
	$(PY) tests/benchmarks/voices.py
