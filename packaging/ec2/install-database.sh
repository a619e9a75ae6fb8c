#!/usr/bin/env bash
# Installs the database server of one engine on Debian 12 the way Steward expects it, for cloud-init
# (examples/cloud-init/) and for AMI bakes (packer/steward.pkr.hcl). Run it before bootstrap.sh.
#
#   install-database.sh postgresql|redis|mongodb|elasticsearch [--replica-set NAME]
#
#   postgresql     Debian's postgresql-15 without its "main" cluster: Steward creates and runs the node's own server
#   redis          Debian's redis-server with its own unit disabled: Steward runs redis-server itself
#   mongodb        MongoDB 7.0 from MongoDB's repository, listening on every address, in the replica set NAME
#                  (--replica-set, the user data's "name"); mongod runs as its own unit, enabled here
#   elasticsearch  Elasticsearch 8 from Elastic's repository, named by the instance id at every start (the name
#                  Steward gives the node and drains it by); cluster formation (cluster.name, discovery) is yours to
#                  add to /etc/elasticsearch/elasticsearch.yml. Enabled, not started: start it after Steward, whose
#                  first probe writes the heap size.
#
# Failures stop the script with a message naming the step (exit code 1; 2 for bad arguments).
set -Eeuo pipefail
step="reading the arguments"
trap 'echo "install-database: FAILED while $step: exit code $? (line $LINENO): $BASH_COMMAND" >&2; exit 1' ERR

usage() {
    echo "install-database: $*" >&2
    echo "usage: $0 postgresql|redis|mongodb|elasticsearch [--replica-set NAME]" >&2
    exit 2
}

[ $# -ge 1 ] || usage "which engine?"
engine=$1
shift
replica_set=
while [ $# -gt 0 ]; do
    case $1 in
        --replica-set) [ $# -ge 2 ] || usage "--replica-set needs a value"; replica_set=$2; shift 2 ;;
        *) usage "unknown argument '$1'" ;;
    esac
done
case $engine in
    postgresql|redis|elasticsearch) ;;
    mongodb) [ -n "$replica_set" ] || usage "mongodb needs --replica-set NAME (the user data's \"name\")" ;;
    *) usage "unknown engine '$engine'" ;;
esac
[ "$(id -u)" -eq 0 ] || usage "must run as root"
export DEBIAN_FRONTEND=noninteractive

# A vendor's apt repository, trusted for its own packages only (signed-by)
add_repository() { # NAME KEY_URL SOURCE_LINE_WITHOUT_OPTIONS
    step="adding the $1 repository"
    apt-get install -y -q --no-install-recommends curl gnupg ca-certificates
    curl --fail --silent --show-error --location "$2" | gpg --dearmor --yes -o "/usr/share/keyrings/$1.gpg"
    echo "deb [signed-by=/usr/share/keyrings/$1.gpg] $3" >"/etc/apt/sources.list.d/$1.list"
    apt-get update -q
}

step="updating the package lists"
apt-get update -q
case $engine in
    postgresql)
        step="installing PostgreSQL 15"
        mkdir -p /etc/postgresql-common
        echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.conf
        apt-get install -y -q --no-install-recommends postgresql-15 xfsprogs
        ;;
    redis)
        step="installing Redis"
        apt-get install -y -q --no-install-recommends redis-server xfsprogs
        systemctl disable --now redis-server.service
        ;;
    mongodb)
        add_repository mongodb-server-7.0 https://pgp.mongodb.com/server-7.0.asc \
            "http://repo.mongodb.org/apt/debian bookworm/mongodb-org/7.0 main"
        step="installing MongoDB 7.0"
        apt-get install -y -q mongodb-org xfsprogs
        cat >/etc/mongod.conf <<EOF
# Written by install-database.sh (Steward): the other members reach this one at its private address
storage:
  dbPath: /var/lib/mongodb
systemLog:
  destination: file
  logAppend: true
  path: /var/log/mongodb/mongod.log
net:
  port: 27017
  bindIpAll: true
replication:
  replSetName: $replica_set
EOF
        systemctl enable mongod.service
        ;;
    elasticsearch)
        add_repository elasticsearch https://artifacts.elastic.co/GPG-KEY-elasticsearch \
            "https://artifacts.elastic.co/packages/8.x/apt stable main"
        step="installing Elasticsearch 8"
        apt-get install -y -q elasticsearch
        mkdir -p /etc/systemd/system/elasticsearch.service.d
        cat >/etc/systemd/system/elasticsearch.service.d/steward-node-name.conf <<'EOF'
# Written by install-database.sh (Steward): the node is named by this instance's id, as Steward names it
[Service]
ExecStartPre=+/bin/sh -c 'echo "EC2_INSTANCE_ID=$$(cloud-init query v1.instance_id)" >/run/elasticsearch-node-name'
EnvironmentFile=-/run/elasticsearch-node-name
EOF
        # shellcheck disable=SC2016 # Elasticsearch expands it, from the environment the drop-in gives the node
        echo 'node.name: ${EC2_INSTANCE_ID}' >>/etc/elasticsearch/elasticsearch.yml
        systemctl daemon-reload
        systemctl enable elasticsearch.service
        ;;
esac
echo "install-database: $engine installed"
