VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test check bench screenshots clean

$(STAMP): pyproject.toml
	test -d $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

# The hint comes after the drill too: the app's screen hides what was printed before it.
PATH_HINT = @echo "oncall is in $(VENV)/bin; to type plain \`oncall\` as the README does:  export PATH=\"$(CURDIR)/$(VENV)/bin:\$$PATH\"  (or install it for good: pipx install .)"

demo: $(STAMP)
	$(PATH_HINT)
	@$(VENV)/bin/oncall drill; status=$$?; $(subst @,,$(PATH_HINT)); exit $$status

# Lint, types and import contracts first (seconds), then the suite on both cores.
check: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

test: check
	$(PY) -m pytest -q -p no:cacheprovider -n 2

bench: $(STAMP)
	$(PY) -m bench

screenshots: $(STAMP)
	$(PY) -m tests.screenshots

clean:
	rm -rf $(VENV) build *.egg-info
