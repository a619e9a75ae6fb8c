#!/usr/bin/env bash
# The README's first command: builds Steward and runs a three-node PostgreSQL cluster on this machine (embedded
# ZooKeeper ensemble, the machine's PostgreSQL 15, one agent process per node), kills the primary, shows the
# failover, and stops cleanly. Needs root (PostgreSQL runs as user postgres; Steward switches to it).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
# One reactor build: the agent and plugins on the class path are the jars just built here, never older copies that
# an install may have left in ~/.m2.
mvn -q -B -ntp -DskipTests package dependency:build-classpath -pl integration-tests -am \
  -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=runtime
# The agents and the steward commands are the launcher of the distribution just built, as an operator runs them.
launcher=$(ls -d packaging/target/steward-*/bin/steward)
exec java "-Dsteward.launcher=$PWD/$launcher" \
  -cp "integration-tests/target/classes:$(cat integration-tests/target/classpath.txt)" io.steward.it.Demo
