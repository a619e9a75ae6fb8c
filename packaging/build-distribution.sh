#!/bin/sh
# Builds Steward's two distributions from the sources and the runtime jars (run by Maven in the packaging module's
# package phase, see pom.xml; it can be run by hand the same way):
#
#   build-distribution.sh MAVEN_VERSION LIB_DIR OUTPUT_DIR
#
#   OUTPUT_DIR/steward-<version>.tar.gz   steward-<version>/: bin/steward, lib/, conf/steward.yml, examples/,
#                                         systemd/ (the unit and its drop-ins), ec2/, packer/, iam/, docs/, README.md,
#                                         completion/steward.bash
#   OUTPUT_DIR/steward_<version>_all.deb  the same files where Debian wants them (see the list below)
#
# Every file is root's in both: tar --owner/--group, dpkg-deb --root-owner-group. The system account and the
# configuration's group come from the package's postinst (deb/).
set -eu
if [ $# -ne 3 ]; then
    echo "usage: $0 MAVEN_VERSION LIB_DIR OUTPUT_DIR" >&2
    exit 2
fi
maven_version=$1
lib=$2
out=$3
packaging=$(cd "$(dirname "$0")" && pwd)
project=$(dirname "$packaging")
for tool in tar gzip dpkg-deb; do
    command -v "$tool" >/dev/null || { echo "$0: $tool is needed (Debian: apt-get install tar gzip dpkg)" >&2; exit 1; }
done
ls "$lib"/steward-agent-*.jar >/dev/null 2>&1 || { echo "$0: $lib holds no steward-agent jar" >&2; exit 1; }
umask 022
# one distribution of each kind in OUTPUT_DIR: those of an earlier version would be mistaken for this one's
rm -rf "$out"/steward-*.tar.gz "$out"/steward_*_all.deb

# --- The tarball ---------------------------------------------------------------------------------------------------
name=steward-$maven_version
tree=$out/$name
rm -rf "$tree"
mkdir -p "$tree/bin" "$tree/lib" "$tree/conf" "$tree/systemd/steward.service.d" "$tree/ec2" "$tree/packer" \
    "$tree/iam" "$tree/docs" "$tree/completion"
install -m 0755 "$packaging/bin/steward" "$tree/bin/"
install -m 0644 "$lib"/*.jar "$tree/lib/"
install -m 0644 "$packaging/conf/steward.yml" "$tree/conf/"
cp -R "$packaging/examples" "$tree/examples"
install -m 0644 "$project/systemd/steward.service" "$tree/systemd/"
install -m 0644 "$project"/systemd/steward.service.d/*.conf "$tree/systemd/steward.service.d/"
install -m 0755 "$packaging"/ec2/*.sh "$tree/ec2/"
install -m 0644 "$packaging"/packer/*.hcl "$tree/packer/"
install -m 0644 "$packaging"/iam/*.json "$tree/iam/"
install -m 0644 "$project"/docs/*.md "$tree/docs/"
install -m 0644 "$project/README.md" "$tree/"
install -m 0644 "$packaging/completion/steward.bash" "$tree/completion/"
find "$tree/examples" -type f -exec chmod 0644 {} +
# jars are compressed already: a fast gzip makes the archives hardly bigger than the slowest would
tar --create --file "$out/$name.tar" --directory "$out" --owner=0 --group=0 --numeric-owner --sort=name "$name"
gzip -1 --force "$out/$name.tar"
echo "built $out/$name.tar.gz"

# --- The Debian package --------------------------------------------------------------------------------------------
# Debian sorts 0.1.0~SNAPSHOT before 0.1.0, so the release replaces the snapshot it grew from
version=$(printf '%s' "$maven_version" | sed 's/-SNAPSHOT$/~SNAPSHOT/')
root=$out/deb/root
rm -rf "$out/deb"
mkdir -p "$root"
# the launcher finds lib/ beside its own directory, through the link on PATH; relative, as Debian wants within /usr
install -D -m 0755 "$tree/bin/steward" "$root/usr/share/steward/bin/steward"
cp -R "$tree/lib" "$root/usr/share/steward/lib"
mkdir -p "$root/usr/bin"
ln -s ../share/steward/bin/steward "$root/usr/bin/steward"
# readable by root alone until postinst gives the group steward read access, once the group exists
install -D -m 0640 "$tree/conf/steward.yml" "$root/etc/steward/steward.yml"
chmod 0750 "$root/etc/steward"
# /usr/lib rather than /lib: where systemd looks on every Debian, and where trixie moves units anyway
install -D -m 0644 "$tree/systemd/steward.service" "$root/usr/lib/systemd/system/steward.service"
# drop-ins an operator (or bootstrap.sh --drop-in) copies to /etc/systemd/system/steward.service.d/
cp -R "$tree/systemd/steward.service.d" "$root/usr/share/steward/systemd"
install -D -m 0644 "$tree/completion/steward.bash" "$root/usr/share/bash-completion/completions/steward"
doc=$root/usr/share/doc/steward
mkdir -p "$doc"
cp -R "$tree/README.md" "$tree/docs" "$tree/iam" "$tree/examples" "$doc/"
cp -R "$tree/ec2" "$tree/packer" "$doc/examples/"
# documentation is read, not run: bootstrap.sh is run with bash, or from the tarball
find "$doc" -type f -exec chmod 0644 {} +

installed_size=$(du -sk "$root" | cut -f1)
mkdir -p "$root/DEBIAN"
sed -e "s/@VERSION@/$version/" -e "s/@INSTALLED_SIZE@/$installed_size/" "$packaging/deb/control.in" >"$root/DEBIAN/control"
install -m 0644 "$packaging/deb/conffiles" "$root/DEBIAN/"
install -m 0755 "$packaging/deb/postinst" "$packaging/deb/prerm" "$packaging/deb/postrm" "$root/DEBIAN/"
dpkg-deb --root-owner-group -Zgzip -z1 --build "$root" "$out/steward_${version}_all.deb" >/dev/null
echo "built $out/steward_${version}_all.deb"
