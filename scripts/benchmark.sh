#!/usr/bin/env bash
# On-demand benchmarks (not part of the test suite). The first argument picks one:
#   failover (default)  Steward at its defaults against Patroni 3.0.2 at its defaults and its tightest settings, on the
#                       same ZooKeeper ensemble; -Dtrials=N (20), -Dsystems=steward,patroni-tight,patroni-defaults.
#                       Report: integration-tests/target/benchmark-failover.md
#   wal                 steward wal-push against pgBackRest 2.45 archive-push, 16 MiB segments to the same S3 endpoint;
#                       -Dwalbench.segments=N (200), -Dsystems=steward,pgbackrest
#   snapshot            time the data filesystem stays frozen per snapshot set under writes; -Dsnapbench.sets=N (20)
#   redis               Steward at its defaults against Redis Sentinel 7.0 (3 sentinels, quorum 2) tuned
#                       (down-after-milliseconds 1000) and at its defaults (30 s); -Dtrials=N (20),
#                       -Dsystems=steward,sentinel-tuned,sentinel-defaults.
#                       Report: integration-tests/target/benchmark-redis-failover.md
#   chaos               100 faults in random order (server, agent or node killed, agent paused, a ZooKeeper server
#                       killed, the primary's agent blackholed, its ZooKeeper server cut from the leader) against
#                       PostgreSQL in synchronous mode and Redis under writes; -Dchaos.faults=N (100), -Dchaos.seed=S,
#                       -Dchaos.databases=postgresql,redis. Report: integration-tests/target/benchmark-chaos.md
# Further arguments go to Maven.
set -euo pipefail
cd "$(dirname "$0")/.."
which="${1:-failover}"
[ $# -gt 0 ] && shift
./scripts/install-deps.sh
case "$which" in
  failover)
    command -v patroni >/dev/null || { apt-get update -q; DEBIAN_FRONTEND=noninteractive apt-get install -y -q patroni python3-kazoo; }
    test=FailoverBenchmark ;;
  wal)
    # pgBackRest only when its rows are measured (-Dsystems=steward leaves them out)
    if [[ " $* " != *" -Dsystems="* || " $* " == *pgbackrest* ]]; then
      command -v pgbackrest >/dev/null || { apt-get update -q; DEBIAN_FRONTEND=noninteractive apt-get install -y -q pgbackrest; }
    fi
    test=WalPushBenchmark ;;
  snapshot) test=SnapshotFreezeBenchmark ;;
  redis)
    command -v redis-sentinel >/dev/null || { apt-get update -q; DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-sentinel; }
    test=RedisFailoverBenchmark ;;
  chaos) test=ChaosBenchmark ;;
  *) echo "usage: $0 [failover|wal|snapshot|redis|chaos] [maven arguments]" >&2; exit 2 ;;
esac
# -am builds the modules it needs in the same run; -Dtest picks the benchmark alone from all of them.
exec mvn -B -ntp verify -pl integration-tests -am -Dtest="$test" -Dsurefire.failIfNoSpecifiedTests=false "$@"
