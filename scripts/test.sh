#!/usr/bin/env bash
# Install what the tests need and run the whole suite: on embedded SQLite, then on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/pip install -q --upgrade pip >/dev/null
.venv/bin/pip install -q -c constraints.txt -e '.[test]'  # exact versions: constraints.txt (scripts/lock.sh)

export LADING_CACHE_DIR=${LADING_CACHE_DIR:-$PWD/.cache}
# The console's browser tests write a screenshot of every page at 1280×800 and 390×844 here.
export LADING_SCREENSHOTS_DIR=${LADING_SCREENSHOTS_DIR:-$PWD/artifacts/screenshots}
mkdir -p "$LADING_CACHE_DIR"

echo "== ruff"
.venv/bin/ruff check src tests bench

echo "== mypy"
.venv/bin/mypy

echo "== import layers and cycles (import-linter contracts in pyproject.toml)"
.venv/bin/lint-imports

# The web console's browser tests (tests/test_console_browser.py) drive Debian's Chromium through Playwright.
if [ ! -x /usr/bin/chromium ]; then
  echo "== installing chromium for the console's browser tests"
  as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
  as_root apt-get update -q >/dev/null || true
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver >/dev/null
fi

echo "== warming the python sandbox (compiled once, cached in $LADING_CACHE_DIR)"
.venv/bin/python -c "from lading.engine.sandbox import warm_python; warm_python()"

# The CLI end-to-end files run again in remote mode: every `lading …` they type goes over HTTP to one real
# `lading serve` (tests/conftest.py, LADING_TEST_MODE=remote): the commands of every group the server
# serves; tests marked embedded_only (they configure the CLI process itself) are skipped there.
# About 4 minutes per backend.
REMOTE_FILES=(
  tests/test_runs_cli.py tests/test_batches_cli.py tests/test_records_cli.py tests/test_nodes_cli.py
  tests/test_tools_releases_cli.py tests/test_plays_cli.py tests/test_actions_cli.py tests/test_tool_nodes.py
  tests/test_connector_workflow.py tests/test_secret_echo.py tests/test_storage_model_nodes.py
  tests/test_engine_behaviour.py tests/test_scheduler.py tests/test_query_guard.py
  tests/test_downloads_cli.py tests/test_query_execute.py tests/test_analytics_isolation.py
  tests/test_analytics_export_urls.py tests/test_billing_usage.py tests/test_billing_storage_records.py
  tests/test_spec_examples.py
  tests/test_segments_cli.py tests/test_filters_operators.py tests/test_filters_property.py
  tests/test_storage_models_cli.py tests/test_storage_records_cli.py tests/test_storage_derived_columns.py
  tests/test_wide_models_cli.py tests/test_storage_sql_guard.py tests/test_storage_sql_isolation.py
  tests/test_ai_agents_cli.py tests/test_ai_chats_cli.py tests/test_ai_memories_cli.py tests/test_ai_loop.py
  tests/test_connections_cli.py tests/test_integration_docs.py tests/test_content_cli.py tests/test_bad_input_cli.py
  tests/test_docs_names.py tests/test_docs_plays.py tests/test_docs_mcp.py tests/test_docs_defaults.py tests/test_docs_lines.py
  tests/test_docs_sor.py tests/test_storage_query_parquet.py tests/test_enrich_waterfall.py
  tests/test_enrich_natives.py tests/test_enrich_connector_test.py tests/test_enrich_declarative.py
  tests/test_enrich_dryrun.py tests/test_enrich_extractors.py tests/test_enrich_builtins.py
  tests/test_enrich_libraries.py
)

# The SQLite and remote passes run on both cores (pytest-xdist; each test makes its own home, workspace or
# server), then the tests marked `alone` on their own: the sandbox crash test (a worker against 100 scripts
# killing their V8 hosts) starves when another test process shares the two cores, and the lapsed-lease
# test must be the only worker on its store. On PostgreSQL each test process works in a database of its
# own (tests/conftest.py makes `lading_test_gw0`, `lading_test_gw1`), so the crash-recovery tests, which
# kill workers mid-run, never meet another process's workers.
JOBS=${LADING_TEST_JOBS:-2}
PG_JOBS=${LADING_PG_TEST_JOBS:-$JOBS}

run_suite() {  # the whole suite on $1 processes: the parallel pass, then the `alone` tests
  local jobs=$1
  shift
  .venv/bin/python -m pytest -q -p no:cacheprovider -n "$jobs" -m "not alone" "$@"
  local code=0
  .venv/bin/python -m pytest -q -p no:cacheprovider -m alone "$@" || code=$?
  [ "$code" = 0 ] || [ "$code" = 5 ]  # 5: none of the chosen tests is marked `alone`
}

echo "== tests on SQLite (embedded default)"
run_suite "$JOBS" "$@"

echo "== CLI end-to-end tests in remote mode (SQLite)"
LADING_TEST_MODE=remote .venv/bin/python -m pytest -q -p no:cacheprovider -n "$JOBS" "${REMOTE_FILES[@]}"

PG_URL=${LADING_TEST_DATABASE_URL:-}
if [ -z "$PG_URL" ] && command -v pg_ctlcluster >/dev/null 2>&1; then
  pg_ctlcluster 15 main start 2>/dev/null || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 && break; sleep 1; done
  as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }
  as_postgres psql -q -c "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='lading') THEN CREATE ROLE lading LOGIN SUPERUSER PASSWORD 'lading'; END IF; END\$\$;"
  as_postgres psql -q -c "DROP DATABASE IF EXISTS lading_test WITH (FORCE)"
  as_postgres psql -q -c "CREATE DATABASE lading_test OWNER lading"
  PG_URL=postgresql+psycopg://lading:lading@127.0.0.1:5432/lading_test
fi
if [ -n "$PG_URL" ]; then
  echo "== tests on PostgreSQL"
  LADING_TEST_DATABASE_URL=$PG_URL run_suite "$PG_JOBS" "$@"
  echo "== CLI end-to-end tests in remote mode (PostgreSQL)"
  LADING_TEST_DATABASE_URL=$PG_URL LADING_TEST_MODE=remote .venv/bin/python -m pytest -q -p no:cacheprovider \
    -n "$PG_JOBS" "${REMOTE_FILES[@]}"
else
  echo "PostgreSQL not available on this machine: PostgreSQL pass skipped" >&2
  exit 1
fi
