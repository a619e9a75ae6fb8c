#!/usr/bin/env bash
# Runs every test of every module (unit and integration, real servers started by the tests).
set -euo pipefail
cd "$(dirname "$0")/.."
exec mvn -B -ntp verify "$@"
