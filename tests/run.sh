#!/usr/bin/env bash
# The whole suite. With CI set, tests use PostgreSQL and Redis on this machine (and fail, not
# skip, when a service is missing); on a laptop SQLite and the filesystem broker, and tests of
# absent services skip with a message.
set -eu
cd "$(dirname "$0")/.."
export PLATFORM_TESTING=1
DATA_DIR="$(mktemp -d -t platform-test-XXXXXX)"
export DATA_DIR
trap 'rm -rf "$DATA_DIR"' EXIT
if [ -n "${CI:-}" ]; then
  export DATABASE_URL="${TEST_DATABASE_URL:-postgresql://root@127.0.0.1:5432/test}"
  export REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}"
fi
echo "tests: database=${DATABASE_URL:-sqlite (embedded)} broker=${REDIS_URL:-filesystem (embedded)}"
exec .venv/bin/pytest "$@"
