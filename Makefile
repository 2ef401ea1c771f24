# briefgen — two commands: `make site` and `make test` (and `make quick`, the loop while changing briefgen).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
# Material prints an end-of-life notice on every build; the README says it once
export NO_MKDOCS_2_WARNING := 1
STAMP  := $(VENV)/.installed

.PHONY: site test quick check lint clean

$(STAMP): pyproject.toml
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  echo "python venv module missing; installing Debian's python3-venv"; \
	  apt-get update -qq && apt-get install -y -qq python3-venv && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip 'setuptools>=68' wheel
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

## site: install, check content/, build site/
site: $(STAMP) $(VENV)/.debs-site
	$(BIN)/briefgen check content
	$(BIN)/briefgen build

# Debian packages briefgen drives for real: Pango for WeasyPrint's PDFs and fonts that
# cover every glyph (site), a headless browser and PDF tools for the suite (test).
SITE_PKGS := libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core
TEST_PKGS := $(SITE_PKGS) chromium qpdf poppler-utils
define ensure_debs
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi
endef

$(VENV)/.debs-site: | $(STAMP)
	$(call ensure_debs,$(SITE_PKGS))
	@touch $@

$(VENV)/.debs-test: | $(STAMP)
	$(call ensure_debs,$(TEST_PKGS))
	@touch $@

# axe-core, the accessibility engine the browser tests run in Chromium: installed once from the npm
# registry at the version tests/a11y/package-lock.json pins; the suite itself needs no network.
AXE := tests/a11y/node_modules/axe-core/axe.min.js
$(AXE): tests/a11y/package.json tests/a11y/package-lock.json
	@command -v npm >/dev/null || { echo "installing Debian packages: npm"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm; }
	npm ci --prefix tests/a11y --no-audit --no-fund --loglevel=error
	@touch $@

## test: the whole suite (browser tests included)
test: $(STAMP) $(VENV)/.debs-test $(AXE)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest

## quick: ruff and every test but the slow and browser ones, stopping at the first failure
quick: $(STAMP) $(VENV)/.debs-site
	$(BIN)/ruff check .
	$(BIN)/pytest -m "not slow and not browser" -x -q

check: $(STAMP)
	$(BIN)/briefgen check content

clean:
	rm -rf $(VENV) site .pytest_cache tests/a11y/node_modules
