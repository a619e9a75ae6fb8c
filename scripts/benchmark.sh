#!/usr/bin/env bash
# On-demand failover benchmark (not part of the test suite): Steward at its defaults against Patroni 3.0.2 at its
# defaults and its tightest settings, on the same ZooKeeper ensemble. Installs Patroni (Debian's, with kazoo).
# Options: -Dtrials=N (default 20), -Dsystems=steward,patroni-tight,patroni-defaults (the default: all three). Report: integration-tests/target/benchmark-failover.md
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
command -v patroni >/dev/null || { apt-get update -q; DEBIAN_FRONTEND=noninteractive apt-get install -y -q patroni python3-kazoo; }
# -am builds the modules it needs in the same run; -Dtest picks the benchmark alone from all of them.
exec mvn -B -ntp verify -pl integration-tests -am -Dtest=FailoverBenchmark -Dsurefire.failIfNoSpecifiedTests=false "$@"
