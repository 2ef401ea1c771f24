# briefgen — two commands: `make site` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: site test check lint clean

$(STAMP): pyproject.toml
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  echo "python venv module missing; installing Debian's python3-venv"; \
	  apt-get update -qq && apt-get install -y -qq python3-venv && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

## site: install, check content/, build site/
site: $(STAMP)
	$(BIN)/briefgen check content
	$(BIN)/briefgen build

## test: the whole suite
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest

check: $(STAMP)
	$(BIN)/briefgen check content
	$(BIN)/briefgen build

clean:
	rm -rf $(VENV) site .pytest_cache
