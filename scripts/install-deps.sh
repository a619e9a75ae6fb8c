#!/usr/bin/env bash
# Installs what Steward's demo and tests need on a fresh Debian 12 machine: JDK 17, Maven, PostgreSQL 15, Redis,
# xfsprogs, socat, systemd (systemd-analyze). Does nothing for packages already there.
set -euo pipefail
need=()
command -v java >/dev/null || need+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || need+=(maven)
[ -x /usr/lib/postgresql/15/bin/pg_ctl ] || need+=(postgresql-15 postgresql-client-15)
command -v redis-server >/dev/null || need+=(redis-server)
command -v mkfs.xfs >/dev/null || need+=(xfsprogs)
command -v socat >/dev/null || need+=(socat)
command -v runuser >/dev/null || need+=(util-linux)
# the packaging tests: build the .deb, install it into a throwaway root, verify the unit
command -v dpkg-deb >/dev/null || need+=(dpkg)
command -v systemd-analyze >/dev/null || need+=(systemd)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${need[@]}"
fi
