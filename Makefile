# Each target bootstraps .venv on first use: a fresh machine needs only python3, git and make.
# What else is missing (python3-venv; for the PDFs Pango and fonts; for the tests Chromium,
# Node.js and poppler-utils) is installed with apt-get by scripts/install-system-deps.sh, which
# returns at once when all is there.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SYSTEM_DEPS := PYTHON=$(PYTHON) scripts/install-system-deps.sh
AXE := tests/a11y/node_modules/axe-core/axe.min.js

.PHONY: run test lint bench clean notify-demo

$(STAMP): pyproject.toml
	test -x $(BIN)/python || { $(SYSTEM_DEPS) venv && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## make run: the main job — list the versions found in git history, build the site into site/
## (strict: a broken link fails), write the notices the sample users would get into outbox/,
## then serve the site on http://127.0.0.1:8000/ (the last step: it runs until Ctrl-C)
run: $(STAMP)
	$(SYSTEM_DEPS) pdf
	$(BIN)/policysite versions
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict
	$(MAKE) --no-print-directory notify-demo
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve --strict -a 127.0.0.1:8000

# The ~200 fake users of sample/ in a throwaway SQLite store; privacy 1.0 is forced with
# --version since it is years old. Re-running mails nobody twice: the store records what was sent.
DEMO_DB := sqlite:///$(CURDIR)/.policysite/demo.db
notify-demo: $(STAMP)
	POLICYSITE_DATABASE_URL=$(DEMO_DB) $(BIN)/policysite subscribers import sample/subscribers.csv
	POLICYSITE_DATABASE_URL=$(DEMO_DB) $(BIN)/policysite notify --policy privacy --version 1.0 --send --outbox outbox \
		--short-notice "make run: a demonstration of the notice of 1.0, sent years after it took effect"

## make test: lint, type-check, then the test suite (Chromium, Node.js and npm, WeasyPrint's
## Pango and fonts, poppler-utils installed when missing; axe-core from tests/a11y with npm ci)
test: $(STAMP) lint $(AXE)
	$(SYSTEM_DEPS) chromium node pdf poppler
	$(BIN)/pytest

# axe-core, pinned in tests/a11y/package-lock.json, for the accessibility test of the built site.
$(AXE): tests/a11y/package-lock.json
	$(SYSTEM_DEPS) node npm
	npm ci --prefix tests/a11y --no-audit --no-fund --loglevel=error
	touch $@

lint: $(STAMP)
	$(BIN)/ruff check scripts tests bench
	$(BIN)/ruff format --check scripts tests bench
	$(BIN)/mypy

## make bench: every benchmark in bench/, printing figures and ratios
bench: $(STAMP)
	$(SYSTEM_DEPS) pdf
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) site .policysite outbox
