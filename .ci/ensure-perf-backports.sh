#!/usr/bin/env bash
# The conformance suite's second oracle: Debian's bookworm-backports linux-perf (6.12), unpacked
# beside the installed perf 6.1, never installed over it. An apt configuration of its own
# (sources list, lists, cache, an empty dpkg status) under .build-perf-backports/apt, as the lab
# has for bullseye; the package and the libraries the host lacks are fetched with
# `apt-get download` and unpacked with `dpkg-deb -x` into .build-perf-backports/root.
# Run by `make deps`; idempotent: a perf there that answers --version is kept.
# The tests run it as .build-perf-backports/perf (a wrapper setting LD_LIBRARY_PATH).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$PWD/.build-perf-backports
suite=${PERF_BACKPORTS_SUITE:-bookworm-backports}
mirror=${PERF_BACKPORTS_MIRROR:-http://deb.debian.org/debian}

if [ -x "$dir/perf" ] && "$dir/perf" --version >/dev/null 2>&1; then
  exit 0
fi

note() { echo "perf backports: $*" >&2; }
ad=$dir/apt
mkdir -p "$ad/lists/partial" "$ad/cache/archives/partial" "$ad/parts" "$dir/deb"
arch=$(dpkg --print-architecture)
# The host's own release too: the libraries perf 6.12 needs that the host lacks come from there.
release=${suite%-backports}
{
  echo "deb [arch=$arch signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main"
  echo "deb [arch=$arch signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $release main"
} > "$ad/sources.list"
: > "$ad/status"
apt_opts=(-o "Dir::Etc::SourceList=$ad/sources.list" -o "Dir::Etc::SourceParts=$ad/parts"
          -o "Dir::State::Lists=$ad/lists" -o "Dir::Cache=$ad/cache" -o "Dir::State::status=$ad/status"
          -o APT::Sandbox::User=root)
timeout 300 apt-get "${apt_opts[@]}" update -qq >&2 || { note "apt-get update of $suite failed"; exit 1; }
version=$(apt-cache "${apt_opts[@]}" madison linux-perf | awk -v s="$suite" '$0 ~ s { print $3; exit }')
case "$version" in
  *bpo*) ;;
  *) note "no linux-perf in $suite (candidate: ${version:-none})"; exit 1 ;;
esac
rm -f "$dir"/deb/*.deb
(cd "$dir/deb" && timeout 300 apt-get "${apt_opts[@]}" download -qq "linux-perf=$version" >&2) \
  || { note "apt-get download linux-perf=$version failed"; exit 1; }
# Its shared libraries that the host does not have (dpkg -s asks the host's own status).
deps=$(apt-cache "${apt_opts[@]}" depends "linux-perf=$version" | awk '/Depends: lib/ { print $2 }' | sort -u)
for lib in $deps; do
  dpkg -s "$lib" >/dev/null 2>&1 && continue
  (cd "$dir/deb" && timeout 300 apt-get "${apt_opts[@]}" download -qq "$lib" >&2) \
    || { note "apt-get download $lib failed"; exit 1; }
done
rm -rf "$dir/root"
for deb in "$dir"/deb/*.deb; do dpkg-deb -x "$deb" "$dir/root"; done
cat > "$dir/perf" <<WRAPPER
#!/bin/sh
# linux-perf $version from $suite, unpacked by .ci/ensure-perf-backports.sh
LD_LIBRARY_PATH="$dir/root/usr/lib/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "$dir/root/usr/bin/perf" "\$@"
WRAPPER
chmod +x "$dir/perf"
"$dir/perf" --version >/dev/null 2>&1 || { note "the unpacked perf does not run: $("$dir/perf" --version 2>&1 | head -3)"; exit 1; }
note "$("$dir/perf" --version) in $dir"
