# Kindly: `make run` installs everything and starts Kindly; `make test` installs
# everything and runs the whole test suite. Both work on a bare Debian machine as root.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install install-dev link run test lint bench check clean

$(BIN)/python:
	bash deploy/apt.sh runtime
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e '.[voice]'
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	bash deploy/apt.sh test
	$(BIN)/pip install -q -e '.[voice,dev]'
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

# `kindly` on PATH (a link in /usr/local/bin as root, ~/.local/bin as a user).
link: install
	@bash deploy/link.sh $(BIN)/kindly

run: install link
	$(BIN)/kindly run $(ARGS)

lint: install-dev
	$(BIN)/ruff format --check skill tests benchmarks
	$(BIN)/ruff check skill tests benchmarks
	$(BIN)/mypy

check: install
	$(BIN)/kindly check

test: install-dev lint check
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install-dev
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
