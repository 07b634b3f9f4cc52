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
	$(PY) bench/bench_lenet.py
	$(PY) bench/bench_data.py
	QT_QPA_PLATFORM=offscreen $(PY) bench/bench_app.py
	$(PY) bench/bench_memory.py
	QT_QPA_PLATFORM=offscreen $(PY) bench/bench_inspect.py

# Quiet unless it fails: pip's and the build backend's chatter goes to $(VENV)/setup.log, and
# is printed only when a step fails (it read like errors on every first `make run`).
$(VENV)/.installed: pyproject.toml
	@echo "Setting up $(VENV) (first run only, about a minute; log in $(VENV)/setup.log)"
	@$(PYTHON) -m venv $(VENV)
	@{ $(PY) -m pip install --upgrade pip && $(PY) -m pip install -e '.[test]'; } > $(VENV)/setup.log 2>&1 \
		|| { cat $(VENV)/setup.log; echo "Setting up $(VENV) failed: the log above says why."; exit 1; }
	@touch $@

clean:
	rm -rf $(VENV) build *.egg-info
