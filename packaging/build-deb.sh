#!/bin/sh
# Builds the sluice Debian package (debhelper, packaging/debian/) from this source tree and
# puts sluice_VERSION_ARCH.deb into OUTDIR (default: ./dist). docs/packaging.md describes it.
#   packaging/build-deb.sh [OUTDIR]
#   SLUICE_DEB_JOBS   parallel compile jobs (default: the number of cores)
#   SLUICE_DEB_CXXFLAGS_APPEND   compiler flags appended to Debian's (DEB_CXXFLAGS_MAINT_APPEND);
#                     the test suite passes "-O1 -g1" to build a package for its life cycle
#                     tests in less time
# Needs the build dependencies of packaging/debian/control (packaging/install-build-deps.sh
# installs them); does not need root. The build runs in a temporary copy of the tree, so the
# checkout and its build directories are left alone.
set -eu
source_dir=$(cd "$(dirname "$0")/.." && pwd)
out_dir=${1:-$source_dir/dist}
jobs=${SLUICE_DEB_JOBS:-$(nproc)}

mkdir -p "$out_dir"
out_dir=$(cd "$out_dir" && pwd)
work_dir=$(mktemp -d "${TMPDIR:-/tmp}/sluice-deb.XXXXXX")
trap 'rm -rf "$work_dir"' EXIT INT TERM

# The source tree without version control, build trees and earlier packages.
tree="$work_dir/sluice"
mkdir "$tree"
tar -C "$source_dir" --anchored --exclude=./.git --exclude=./build --exclude='./build-*' \
    --exclude=./dist --exclude=./obj-\* --exclude=./debian --exclude=.pytest_cache \
    --exclude=__pycache__ -cf - . | tar -C "$tree" -xf -
cp -r "$source_dir/packaging/debian" "$tree/debian"

echo "build-deb.sh: building in $tree ($jobs jobs)"
(cd "$tree" && DEB_BUILD_OPTIONS="nocheck noautodbgsym parallel=$jobs" \
    DEB_CXXFLAGS_MAINT_APPEND="${SLUICE_DEB_CXXFLAGS_APPEND:-}" \
    dpkg-buildpackage --build=binary --no-sign) >"$work_dir/build.log" 2>&1 || {
    tail -n 60 "$work_dir/build.log" >&2
    echo "build-deb.sh: dpkg-buildpackage failed (last 60 lines above)" >&2
    exit 1
}
for deb in "$work_dir"/*.deb; do
    cp "$deb" "$out_dir/"
    echo "$out_dir/$(basename "$deb")"
done
