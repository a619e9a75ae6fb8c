#!/usr/bin/env bash
# The README's second command: installs what the tests need (see install-deps.sh), then runs every test of every
# module: unit tests and integration tests against real servers started by the tests. Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
exec mvn -B -ntp verify "$@"
