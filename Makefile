# One command to run, one to test. Everything else is a helper of those two.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DOMAIN := messages
LANGS := id jv

.PHONY: run console test lint fmt locales locales-extract locales-update locales-compile bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

run: $(STAMP) locales-compile
	$(BIN)/dinsos-bot run --console-if-no-token

console: $(STAMP) locales-compile
	$(BIN)/dinsos-bot console

test: $(STAMP) locales-compile
	$(BIN)/ruff check bot tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check bot tests benchmarks

fmt: $(STAMP)
	$(BIN)/ruff check --fix bot tests benchmarks

# i18n: English msgids in code; Indonesian and Javanese catalogs in locales/.
locales-extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k ngettext:1,2 --no-location --sort-by-file -w 100 \
	  --project=dinsos-bot -o locales/$(DOMAIN).pot bot 2>&1 | grep -v "^extracting" || true

locales-update: locales-extract
	for l in $(LANGS); do $(BIN)/pybabel update -N --ignore-obsolete -w 100 -D $(DOMAIN) -i locales/$(DOMAIN).pot -d locales -l $$l; done

locales-compile: $(STAMP)
	$(BIN)/pybabel compile -D $(DOMAIN) -d locales

bench: $(STAMP) locales-compile
	for f in benchmarks/bench_*.py; do $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
