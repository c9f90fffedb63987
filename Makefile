# The two commands of the README: `make demo` and `make test`. Both set everything up from a fresh clone.
PYTHON ?= python3
VENV ?= .venv
PIP_FLAGS = -q --disable-pip-version-check
ELEMENT = tests/element

.PHONY: demo test bench clean pins

# Exactly the versions of constraints.txt, which the tests' expectations were checked against; pyproject.toml's
# ranges are what users get.
$(VENV)/.installed: pyproject.toml constraints.txt
	@echo "setting up $(VENV) with the pinned dependencies (once, about a minute)"
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install $(PIP_FLAGS) -c constraints.txt -e '.[test]'
	touch $@

demo: $(VENV)/.installed
	$(VENV)/bin/samverkan-bot demo

# The Element tier's Node 22 and matrix-js-sdk, exactly as locked (npm ci starts from an empty node_modules).
$(ELEMENT)/node_modules/.installed: $(ELEMENT)/package.json $(ELEMENT)/package-lock.json
	@echo "installing the Element tier's Node 22 and matrix-js-sdk (once)"
	cd $(ELEMENT) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

test: $(VENV)/.installed $(ELEMENT)/node_modules/.installed
	@$(VENV)/bin/python -c 'from bot.localserver import ensure_synapse; ensure_synapse()'
	$(VENV)/bin/python -m pytest

bench: $(VENV)/.installed
	$(VENV)/bin/python -m bench.roundtrip
	$(VENV)/bin/python -m bench.encrypted
	$(VENV)/bin/python -m bench.startup
	$(VENV)/bin/python -m bench.reminders
	$(VENV)/bin/python -m bench.situation
	$(VENV)/bin/python -m bench.walk_plan
	$(VENV)/bin/python -m bench.agreement
	$(VENV)/bin/python -m bench.backup
	$(VENV)/bin/python -m bench.budget

# New pins: the newest versions pyproject.toml's ranges allow, and those Synapse requires for bot/localserver.py's
# SYNAPSE_VERSION, each resolved in a fresh virtualenv and frozen. Then `make test` runs with them.
PINS = .pins
pins:
	rm -rf $(PINS)
	$(PYTHON) -m venv $(PINS)/bot
	$(PINS)/bot/bin/python -m pip install $(PIP_FLAGS) -e '.[test]'
	{ sed -n '/^#/p' constraints.txt; $(PINS)/bot/bin/python -m pip freeze --exclude-editable; } > $(PINS)/constraints.txt
	$(PYTHON) -m venv $(PINS)/synapse
	$(PINS)/synapse/bin/python -m pip install $(PIP_FLAGS) \
		"matrix-synapse==$$($(PINS)/bot/bin/python -c 'from bot.localserver import SYNAPSE_VERSION; print(SYNAPSE_VERSION)')"
	{ sed -n '/^#/p' bot/synapse-constraints.txt; $(PINS)/synapse/bin/python -m pip freeze; } > $(PINS)/synapse-constraints.txt
	mv $(PINS)/constraints.txt constraints.txt
	mv $(PINS)/synapse-constraints.txt bot/synapse-constraints.txt
	rm -rf $(PINS)

clean:
	rm -rf $(VENV) $(PINS) demo-data .pytest_cache $(ELEMENT)/node_modules
