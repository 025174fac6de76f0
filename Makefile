# The two commands: `make run` and `make test`. Everything installs into .venv from uv.lock.
PYTHON ?= python3
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run test install lint types pytest e2e-deps messages worker clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv==0.13.9"

$(VENV)/.installed: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $(PYTHON) --quiet
	touch $@

install: $(VENV)/.installed

run: install
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py seed_demo --if-empty
	@$(PY) manage.py demo_instructions
	$(PY) manage.py serve --host 127.0.0.1 --port 8000

lint: install
	$(VENV)/bin/ruff check abri tests bench scripts
	$(VENV)/bin/ruff format --check abri tests bench scripts

types: install
	$(VENV)/bin/mypy abri

e2e-deps:
	@command -v chromium >/dev/null 2>&1 || { echo "Installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; }

pytest: install e2e-deps
	ABRI_ENV=test $(VENV)/bin/pytest -n 2 -q

test: lint types pytest

messages: install
	cd abri && ../$(PY) ../manage.py makemessages -l fr -l en --no-obsolete --add-location file
	$(PY) manage.py compilemessages -v0 -i .venv -i .tools

clean:
	rm -rf $(VENV) $(TOOLS) var test-output
