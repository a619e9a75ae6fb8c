#!/usr/bin/env bash
# Installs Steward on an EC2 instance at launch (from cloud-init, see examples/cloud-init/) or while baking an AMI
# (see packer/steward.pkr.hcl), configures it and starts it. Every failure stops the script with a message naming the
# step, on stderr, in the journal (steward-bootstrap) and on the console, and exit code 1; 2 for bad arguments.
#
#   bootstrap.sh --package URL|FILE [--config FILE] [--user-data FILE | --imds] [--drop-in NAME]... [--api URL] [--bake]
#
#   --package    the .deb: https://..., s3://bucket/key (needs the aws command) or a local file
#   --config     installed as /etc/steward/steward.yml; without it that file must already be configured (a baked AMI).
#                Refused while it still holds a CHANGE-ME placeholder.
#   --user-data  the book's JSON user data, installed as /etc/steward/user-data.json and read by the unit
#   --imds       the unit reads the user data from the instance metadata service: for AMIs launched with the JSON
#                itself as their user data
#   --drop-in    a drop-in for steward.service the package ships in /usr/share/steward/systemd/, by name (e.g.
#                elasticsearch for elasticsearch.conf), installed in /etc/systemd/system/steward.service.d/; repeatable
#   --api        where the agent's admin API answers once started (default http://127.0.0.1:8008)
#   --bake       install and enable only: no validation and no start, since the user data only comes at launch
#
# Needs root, Debian 12 (apt) and curl (for https://).
set -Eeuo pipefail

readonly CONFIG_FILE=/etc/steward/steward.yml
readonly USER_DATA_FILE=/etc/steward/user-data.json
readonly UNIT_OPTIONS_FILE=/etc/default/steward
readonly DROP_IN_SOURCE=/usr/share/steward/systemd
readonly DROP_IN_DIR=/etc/systemd/system/steward.service.d
readonly START_WAIT_SECONDS=120

step="reading the arguments"

say() {
    echo "steward-bootstrap: $*"
    logger -t steward-bootstrap -p user.info -- "$*" 2>/dev/null || true
}

fail() {
    local message="steward-bootstrap: FAILED while $step: $*"
    echo "$message" >&2
    logger -t steward-bootstrap -p user.err -- "$message" 2>/dev/null || true
    # cloud-init's own log is easy to miss; the console shows in the EC2 console's system log
    { echo "$message" >/dev/console; } 2>/dev/null || true
    exit 1
}
trap 'fail "command failed with exit code $? (line $LINENO): $BASH_COMMAND"' ERR

usage() {
    echo "steward-bootstrap: $*" >&2
    echo "usage: $0 --package URL|FILE [--config FILE] [--user-data FILE | --imds] [--drop-in NAME]... [--api URL] [--bake]" >&2
    exit 2
}

package=
config=
user_data=
from_imds=false
api=http://127.0.0.1:8008
bake=false
drop_ins=()
while [ $# -gt 0 ]; do
    case $1 in
        --package|--config|--user-data|--drop-in|--api)
            [ $# -ge 2 ] || usage "$1 needs a value"
            case $1 in
                --package) package=$2 ;;
                --config) config=$2 ;;
                --user-data) user_data=$2 ;;
                --drop-in) drop_ins+=("$2") ;;
                --api) api=$2 ;;
            esac
            shift 2 ;;
        --imds) from_imds=true; shift ;;
        --bake) bake=true; shift ;;
        *) usage "unknown argument '$1'" ;;
    esac
done
[ -n "$package" ] || usage "--package is required"
[ -z "$user_data" ] || [ "$from_imds" = false ] || usage "--user-data and --imds exclude each other"
[ "$(id -u)" -eq 0 ] || usage "must run as root"
[ -z "$config" ] || [ -f "$config" ] || usage "--config $config: no such file"
[ -z "$user_data" ] || [ -f "$user_data" ] || usage "--user-data $user_data: no such file"

if [ -n "$config" ]; then
    step="checking $config"
    # placeholders in values, not in comments that mention them
    if placeholders=$(grep -nE '^[^#]*CHANGE-ME' "$config"); then
        fail "$config still holds placeholders to replace:
$placeholders"
    fi
fi

work=$(mktemp -d /tmp/steward-bootstrap-XXXXXX)
trap 'rm -rf "$work"' EXIT
# apt reads local packages as its unprivileged user _apt
chmod 0755 "$work"

step="fetching the package $package"
case $package in
    http://*|https://*) curl --fail --silent --show-error --location --retry 5 --output "$work/steward.deb" "$package" ;;
    s3://*)
        command -v aws >/dev/null || fail "the aws command is needed for an s3:// package"
        aws s3 cp --only-show-errors "$package" "$work/steward.deb" ;;
    *) cp "$package" "$work/steward.deb" ;;
esac
chmod 0644 "$work/steward.deb"

step="installing the package and its dependencies"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# confold: a configuration written before the package (by cloud-init, or baked) is kept as it is
apt-get install -y -q --no-install-recommends -o Dpkg::Options::=--force-confold "$work/steward.deb"
say "installed $(steward --version)"

if [ -n "$config" ]; then
    step="installing the configuration $CONFIG_FILE"
    install -m 0640 -o root -g steward "$config" "$CONFIG_FILE"
fi

for drop_in in "${drop_ins[@]}"; do
    step="installing the drop-in $drop_in"
    [ -f "$DROP_IN_SOURCE/$drop_in.conf" ] || fail "no drop-in $drop_in; the package has: $(cd "$DROP_IN_SOURCE" && echo *.conf)"
    install -D -m 0644 "$DROP_IN_SOURCE/$drop_in.conf" "$DROP_IN_DIR/$drop_in.conf"
done
systemctl daemon-reload

step="writing $UNIT_OPTIONS_FILE"
if [ -n "$user_data" ]; then
    install -m 0640 -o root -g steward "$user_data" "$USER_DATA_FILE"
    options="--user-data $USER_DATA_FILE"
elif [ "$from_imds" = true ]; then
    options="--imds"
else
    options=""
fi
cat >"$UNIT_OPTIONS_FILE" <<EOF
# Written by steward-bootstrap: where steward.service reads the configuration from besides $CONFIG_FILE.
CONFIG_OPTIONS=$options
EOF

if [ "$bake" = true ]; then
    step="enabling steward.service"
    systemctl enable steward.service
    say "installed and enabled for the image; it validates and starts at the instance's boot"
    exit 0
fi

step="validating the configuration"
# shellcheck disable=SC2086 # the options are separate words
if ! problems=$(steward validate-config --config "$CONFIG_FILE" $options 2>&1); then
    fail "steward validate-config refused it:
$problems"
fi
say "$problems"

step="starting steward.service"
systemctl enable --now steward.service

step="waiting for the agent at $api"
for _ in $(seq "$START_WAIT_SECONDS"); do
    if ! systemctl is-active --quiet steward.service; then
        journalctl -u steward.service -n 50 --no-pager >&2 || true
        fail "steward.service is $(systemctl is-active steward.service || true); its last log lines are above"
    fi
    # any HTTP answer will do: /health says 503 until the database is up, which may take a while yet
    if [ "$(curl --silent --output /dev/null --write-out '%{http_code}' --max-time 2 "$api/health" || true)" != 000 ]; then
        say "steward.service runs and answers at $api"
        exit 0
    fi
    sleep 1
done
journalctl -u steward.service -n 50 --no-pager >&2 || true
fail "no answer at $api/health after ${START_WAIT_SECONDS}s; its last log lines are above"
