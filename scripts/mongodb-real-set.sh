#!/usr/bin/env bash
# Runs MongoMembershipTest's first scenario against a real replica set, for where mongod can run (it cannot on the
# machines Steward's tests run on, which test against the wire-protocol server in integration-tests instead):
#   three agents create the set from three fresh mongod processes, the primary adds the others, then the primary's
#   agent is stopped gracefully: it must step down and leave the set, and another member must be primary.
#
# Needs: three fresh mongod processes started with the same --replSet name and never initiated, reachable from here
# under the names given (they are the names the set's configuration will hold); a ZooKeeper ensemble; mongosh; Java 17.
# Usage: MONGO_HOSTS=db1:27017,db2:27017,db3:27017 ZOOKEEPER=zk1:2181 [REPLICA_SET=rs0] scripts/mongodb-real-set.sh
set -euo pipefail
cd "$(dirname "$0")/.."
: "${MONGO_HOSTS:?three host:port of fresh mongod --replSet processes, comma-separated}"
: "${ZOOKEEPER:?the ZooKeeper ensemble as host:port[,host:port...]}"
REPLICA_SET=${REPLICA_SET:-rs0}
IFS=, read -r -a hosts <<<"$MONGO_HOSTS"
[ "${#hosts[@]}" -eq 3 ] || { echo "MONGO_HOSTS must name exactly three members" >&2; exit 2; }
command -v mongosh >/dev/null || { echo "mongosh is needed to check the set" >&2; exit 2; }

mvn -q -B -ntp -DskipTests package -pl plugins-mongodb -am
mvn -q -B -ntp dependency:build-classpath -pl plugins-mongodb -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=runtime
classpath="plugins-mongodb/target/classes:agent/target/classes:$(cat plugins-mongodb/target/classpath.txt)"

work=$(mktemp -d /tmp/steward-mongodb-real-XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    echo "agent logs kept in $work"
}
trap cleanup EXIT

mongo() { mongosh --quiet "mongodb://$1/?directConnection=true" --eval "$2"; }

for i in 0 1 2; do
    host=${hosts[$i]%:*}
    port=${hosts[$i]##*:}
    mkdir -p "$work/m$i"
    cat >"$work/m$i/steward.yml" <<YAML
cluster: real-$REPLICA_SET-$$
engine: mongodb
node: {name: m$i, host: $host, state_dir: $work/m$i/state}
zookeeper: {connect: "$ZOOKEEPER", digest_user: steward, digest_password: real-set-check}
admin: {address: 127.0.0.1, port: $((18080 + i)), token: real-set-check}
aws: {imds: off}
mongodb: {host: $host, port: $port, replica_set: $REPLICA_SET, role: active}
YAML
    java -cp "$classpath" io.steward.cli.StewardCli run --config "$work/m$i/steward.yml" >"$work/m$i/agent.log" 2>&1 &
    pids+=($!)
done

await() { # description, seconds, command...
    local what=$1 seconds=$2
    shift 2
    for _ in $(seq "$seconds"); do
        if "$@" >/dev/null 2>&1; then echo "ok: $what"; return 0; fi
        sleep 1
    done
    echo "FAILED: $what within ${seconds}s" >&2
    exit 1
}
members_are() { [ "$(mongo "${hosts[0]}" 'rs.conf().members.length')" = "$1" ]; }
primary() { mongo "${hosts[0]}" 'db.hello().primary'; }

await "the set holds all three members" 120 members_are 3
old=$(primary)
index=-1
for i in 0 1 2; do [ "${hosts[$i]}" = "$old" ] && index=$i; done
[ "$index" -ge 0 ] || { echo "FAILED: primary $old is none of $MONGO_HOSTS" >&2; exit 1; }
kill -TERM "${pids[$index]}"
wait "${pids[$index]}" || true
other=${hosts[$(((index + 1) % 3))]}
left() { [ "$(mongo "$other" 'rs.conf().members.length')" = "2" ]; }
moved() { p=$(mongo "$other" 'db.hello().primary'); [ -n "$p" ] && [ "$p" != "$old" ]; }
await "the stopped primary $old left the set" 120 left
await "another member is primary" 120 moved
grep -q "steps down as primary" "$work/m$index/agent.log" && echo "ok: it stepped down first"
echo "the real replica set behaved as the test server does"
