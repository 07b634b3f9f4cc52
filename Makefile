# Two commands matter: `make run` and `make test`. Both build .venv on first use.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python

.PHONY: run test bench clean

run: $(VENV)/.installed
	$(VENV)/bin/blockstudio

test: $(VENV)/.installed
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

bench: $(VENV)/.installed
	$(PY) bench/bench_train.py
	$(PY) bench/bench_data.py
	QT_QPA_PLATFORM=offscreen $(PY) bench/bench_app.py
	QT_QPA_PLATFORM=offscreen $(PY) bench/bench_inspect.py

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

clean:
	rm -rf $(VENV) build *.egg-info
