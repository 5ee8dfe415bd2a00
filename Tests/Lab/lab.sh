#!/usr/bin/env bash
# Emulated arm64 big.LITTLE lab: QEMU (TCG) boots Debian's arm64 kernel at EL2
# (KVM/VHE available inside), with a device tree that has two PMUs
# (armv8_cortex_a53 on cpus 0-1, armv8_cortex_a72 on cpus 2-3), and runs one
# static aarch64 binary inside, returning its output to the host.
#
# Usage: Tests/Lab/lab.sh COMMAND [...]       (see `lab.sh help`)
set -euo pipefail

LAB_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$LAB_SRC/../.." && pwd)

LAB_DIR=${LAB_DIR:-$REPO_ROOT/.build-lab}
LAB_KERNEL=${LAB_KERNEL:-6.12}
LAB_TIMEOUT=${LAB_TIMEOUT:-240}
LAB_SMP=${LAB_SMP:-4}
LAB_MEM=${LAB_MEM:-1024}
LAB_VERBOSE=${LAB_VERBOSE:-0}
LAB_APPEND=${LAB_APPEND:-}
LAB_QEMU_ARGS=${LAB_QEMU_ARGS:-}
LAB_KEEP_RUNS=${LAB_KEEP_RUNS:-10}

HOST_PACKAGES=(qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross
               device-tree-compiler cpio python3)

QEMU=qemu-system-aarch64
QEMU_MACHINE="virt,virtualization=on,gic-version=3"
QEMU_CPU="max,pauth-impdef=on"

log()  { printf 'lab: %s\n' "$*" >&2; }
die()  { printf 'lab: error: %s\n' "$*" >&2; exit 2; }
usage_die() { printf 'lab: %s\n(see `%s help`)\n' "$*" "$0" >&2; exit 64; }

usage() {
    cat <<EOF
Usage: Tests/Lab/lab.sh COMMAND [ARGS]

Commands:
  deps                 Install missing host packages (apt-get; no-op if present).
  prepare              deps + download/cache the arm64 kernel, busybox-static
                       and libpfm4-dev (arm64), build the two-PMU device tree.
                       With a full cache this makes no network calls.
  run [OPTIONS] [--] BINARY [ARGS...]
                       Boot the lab and run the static aarch64 BINARY with ARGS
                       as root in the guest.  The binary's stdout is printed on
                       stdout, its stderr on stderr; lab messages go to stderr.
      -o, --output FILE    also write the binary's stdout to FILE
      -e, --stderr FILE    also write the binary's stderr to FILE
      -f, --file SRC[:DST] copy SRC into the guest (default DST /lab/<name>);
                           repeatable.  The binary runs with cwd /lab.
      -E, --env NAME=VALUE set an environment variable for BINARY; repeatable
      -q, --quiet          don't echo the binary's stdout/stderr
  probe                Build Tests/Lab/probe.c (static aarch64) and run it: the
                       lab's own smoke test (two PMUs, KVM SET_PMU, pinning).
  paths                Print cached artifact paths as shell assignments
                       (eval "\$(Tests/Lab/lab.sh paths)").
  clean [--all]        Remove run directories (--all: the whole cache).
  help                 This text.

In the guest BINARY runs as root with cwd /lab, stdin /dev/null and
stdout/stderr on pipes (C stdio is then fully buffered: flush for live
progress).  Output is line-based: a last line without newline gets one.
perf_user_access=1 and perf_event_paranoid=-1 are set; the kernel's console
log level is lowered while BINARY runs (dmesg still has everything).

Exit status of run/probe: 0 = binary exited 0; 1 = binary exited non-zero
(status printed); 2 = lab failure (boot failed, timeout, markers missing);
64 = usage error.

Environment:
  LAB_KERNEL=6.12|6.1|5.10|newest  kernel series (default 6.12; 5.10 is Debian 11's, from
                       the lab's own apt configuration in \$LAB_DIR/apt-bullseye; newest is the
                       kernel trixie-backports' linux-image-arm64 points to today, from
                       \$LAB_DIR/apt-trixie-backports, its image in linux-binary-unsigned-<version>;
                       its exact version is in every report, never required)
  LAB_KERNEL_PKG=NAME  exact linux-image package (overrides the LAB_KERNEL lookup)
  LAB_TIMEOUT=SECS     QEMU is killed after this many seconds (default 240)
  LAB_GUEST_TIMEOUT=S  in-guest watchdog: BINARY is SIGKILLed S seconds after
                       it started, so partial output still comes back
                       (default max(LAB_TIMEOUT-60, LAB_TIMEOUT/2); 0 = off)
  LAB_SMP, LAB_MEM     guest cpus (even, default 4) / MiB (default 1024)
  LAB_VERBOSE=1        stream the guest console to stderr while running
  LAB_APPEND="..."     extra kernel command line
  LAB_QEMU_ARGS="..."  extra QEMU arguments (split on spaces), e.g. "-icount shift=0"
  LAB_DIR=PATH         cache directory (default <repo>/.build-lab)
  LAB_KEEP_RUNS=N      run directories kept (default 10)

Artifacts (cache): \$LAB_DIR/kernel-<ver>/Image, \$LAB_DIR/busybox/busybox,
\$LAB_DIR/libpfm4/{lib/libpfm.a,include/perfmon}, \$LAB_DIR/dtb/*.dtb,
\$LAB_DIR/runs/<id>/{console.log,stdout.txt,stderr.txt,status}
(\$LAB_DIR/runs/latest -> newest run).
EOF
}

# ---------------------------------------------------------------------------
# host packages / apt

have_pkg() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep 'install ok installed' >/dev/null
}

APT_UPDATED=0
# Extra apt options: empty for the host's own sources (bookworm: 6.1, 6.12); for 5.10
# the lab's own apt configuration under $LAB_DIR/apt-bullseye (see lab_apt), so
# the host's sources stay as they are.
APT_OPTS=()
apt_update() {
    if [ "$APT_UPDATED" = 0 ]; then
        log "apt-get update${APT_OPTS[*]:+ (with an apt configuration of the lab)}"
        apt-get "${APT_OPTS[@]+"${APT_OPTS[@]}"}" update -qq >&2 || die "apt-get update failed"
        APT_UPDATED=1
    fi
}

# lab_apt SUITE: Debian's SUITE for arm64 in an apt configuration of the lab's own
# ($LAB_DIR/apt-SUITE: sources list, package lists, cache, an empty dpkg status), used only
# for downloading a kernel package the host's sources lack (bullseye's 5.10, trixie-backports'
# newest). The host's apt setup is untouched.
lab_apt() {
    local suite=$1 ad=$LAB_DIR/apt-$1
    mkdir -p "$ad/lists/partial" "$ad/cache/archives/partial" "$ad/parts"
    printf '%s\n' "deb [arch=arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${LAB_DEBIAN_MIRROR:-${LAB_BULLSEYE_MIRROR:-http://deb.debian.org/debian}} $suite main" \
        > "$ad/sources.list"
    [ -f "$ad/status" ] || : > "$ad/status"
    APT_OPTS=(-o "Dir::Etc::SourceList=$ad/sources.list" -o "Dir::Etc::SourceParts=$ad/parts"
              -o "Dir::State::Lists=$ad/lists" -o "Dir::Cache=$ad/cache" -o "Dir::State::status=$ad/status"
              -o APT::Architecture=arm64 -o APT::Architectures::=arm64)
    APT_UPDATED=0
    ls "$ad"/lists/*"${suite}"*Packages* >/dev/null 2>&1 || apt_update
}

cmd_deps() {
    local missing=() p
    for p in "${HOST_PACKAGES[@]}"; do
        have_pkg "$p" || missing+=("$p")
    done
    command -v flock >/dev/null && command -v timeout >/dev/null \
        || die "flock/timeout (util-linux/coreutils) missing"
    [ ${#missing[@]} -eq 0 ] && return 0
    [ "$(id -u)" = 0 ] || die "missing host packages (${missing[*]}); run as root or install them"
    log "installing host packages: ${missing[*]}"
    apt_update
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >&2 || die "apt-get install ${missing[*]} failed"
}

ensure_arm64_arch() {
    if ! dpkg --print-foreign-architectures | grep -x arm64 >/dev/null; then
        log "dpkg --add-architecture arm64"
        dpkg --add-architecture arm64
        APT_UPDATED=0
        apt_update
    fi
}

# apt_fetch PKG DESTDIR: download PKG (name[:arch]) with apt-get download into
# DESTDIR (a fresh dir); prints the .deb path.
apt_fetch() {
    local pkg=$1 dest=$2 deb
    mkdir -p "$dest"
    if ! (cd "$dest" && apt-get "${APT_OPTS[@]+"${APT_OPTS[@]}"}" download -qq -o APT::Sandbox::User=root "$pkg" >&2); then
        apt_update
        (cd "$dest" && apt-get "${APT_OPTS[@]+"${APT_OPTS[@]}"}" download -qq -o APT::Sandbox::User=root "$pkg" >&2) \
            || die "apt-get download $pkg failed"
    fi
    deb=$(ls -1 "$dest"/*.deb 2>/dev/null | sed -n 1p)
    [ -n "$deb" ] || die "apt-get download $pkg produced no .deb"
    printf '%s\n' "$deb"
}

# resolve_kernel_pkg: the concrete linux-image package behind the meta package
resolve_kernel_pkg() {
    local meta re pkg
    case "$LAB_KERNEL" in
        6.12) meta=linux-image-6.12-arm64:arm64 re='^linux-image-6\.12\.' ;;
        6.1)  meta=linux-image-arm64:arm64      re='^linux-image-6\.1\.' ;;
        5.10) meta=linux-image-arm64:arm64      re='^linux-image-5\.10\.' ;;
        newest) meta=linux-image-arm64:arm64    re='^linux-(image|binary-unsigned)-[0-9]' ;;
        *) usage_die "LAB_KERNEL must be 6.12, 6.1, 5.10 or newest (got '$LAB_KERNEL')" ;;
    esac
    if [ -n "${LAB_KERNEL_PKG:-}" ]; then
        printf '%s\n' "$LAB_KERNEL_PKG"; return
    fi
    pkg=$(apt-cache "${APT_OPTS[@]+"${APT_OPTS[@]}"}" depends "$meta" 2>/dev/null \
          | sed -n 's/^ *Depends: \(linux-image-[^ <>]*\).*/\1/p' | sed -n 1p)
    if [ -z "$pkg" ]; then
        apt_update
        pkg=$(apt-cache "${APT_OPTS[@]+"${APT_OPTS[@]}"}" depends "$meta" 2>/dev/null \
              | sed -n 's/^ *Depends: \(linux-image-[^ <>]*\).*/\1/p' | sed -n 1p)
    fi
    [ -n "$pkg" ] || die "cannot resolve $meta (is it in the apt sources? try: apt-cache search --names-only '^linux-image-6.*-arm64\$')"
    # Newer Debian kernels put the image in linux-binary-unsigned-<version>; linux-image-<version>
    # is then a small package of dependencies.
    local binary=linux-binary-unsigned-${pkg#linux-image-}
    if [ "$LAB_KERNEL" = newest ] && apt-cache "${APT_OPTS[@]+"${APT_OPTS[@]}"}" show "${binary%%:*}:arm64" >/dev/null 2>&1; then
        pkg=${binary%%:*}:arm64
    fi
    printf '%s\n' "$pkg" | grep -Eq "$re" \
        || die "$meta resolved to $pkg, which is not a $LAB_KERNEL kernel"
    printf '%s\n' "$pkg"
}

# ---------------------------------------------------------------------------
# cached artifacts

KDIR() {
    if [ -n "${LAB_KERNEL_PKG:-}" ]; then
        printf '%s\n' "$LAB_DIR/kernel-pkg-${LAB_KERNEL_PKG%%:*}"
    else
        printf '%s\n' "$LAB_DIR/kernel-$LAB_KERNEL"
    fi
}

prepare_kernel() {
    local kd tmp pkg deb vmlinuz
    kd=$(KDIR)
    [ -f "$kd/.done" ] && [ -f "$kd/Image" ] && return 0
    if [ "$LAB_KERNEL" = 5.10 ] && [ -z "${LAB_KERNEL_PKG:-}" ]; then
        lab_apt bullseye
    elif [ "$LAB_KERNEL" = newest ] && [ -z "${LAB_KERNEL_PKG:-}" ]; then
        lab_apt trixie-backports
    else
        ensure_arm64_arch
    fi
    pkg=$(resolve_kernel_pkg)
    log "fetching kernel $pkg"
    rm -rf "$kd" "$kd.tmp"; tmp=$kd.tmp; mkdir -p "$tmp"
    deb=$(apt_fetch "$pkg" "$tmp/deb")
    # Only the image (and config) is needed (the modules tree is hundreds of MB): boot/ of a
    # linux-image package, usr/lib/modules/<version>/vmlinuz* of a linux-binary-unsigned one.
    if [[ $pkg == linux-binary-unsigned-* ]]; then
        dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './usr/lib/modules/*/vmlinuz*' \
            || die "cannot unpack $deb"
    else
        dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" ./boot \
            || die "cannot unpack $deb"
    fi
    vmlinuz=$( (ls -1 "$tmp"/boot/vmlinuz-* "$tmp"/usr/lib/modules/*/vmlinuz* 2>/dev/null || true) | sed -n 1p)
    [ -f "$vmlinuz" ] || die "$deb has no boot/vmlinuz-* or usr/lib/modules/*/vmlinuz*"
    if [ "$(head -c2 "$vmlinuz" | od -An -tx1 | tr -d ' ')" = 1f8b ]; then
        gzip -dc "$vmlinuz" > "$tmp/Image"
    else
        cp "$vmlinuz" "$tmp/Image"
    fi
    # arm64 Image header: magic "ARM\x64" at offset 0x38
    [ "$(dd if="$tmp/Image" bs=1 skip=56 count=4 2>/dev/null | od -An -tx1 | tr -d ' ')" = 41524d64 ] \
        || die "$vmlinuz is not an arm64 Image"
    cp "$tmp"/boot/config-* "$tmp/config" 2>/dev/null || true
    printf '%s %s %s\n' "$pkg" "$(dpkg-deb -f "$deb" Version)" "$(basename "$vmlinuz")" > "$tmp/package.txt"
    rm -rf "$tmp/deb" "$tmp/boot" "$tmp/usr"
    APT_OPTS=(); APT_UPDATED=0
    log "kernel config: $(grep -E '^CONFIG_(KVM|ARM_PMU|ARM_PMUV3|HW_PERF_EVENTS|ARM_GIC_V3)=' "$tmp/config" 2>/dev/null | tr '\n' ' ')"
    touch "$tmp/.done"
    mv "$tmp" "$kd"
}

# prepare_headers: the PMU attribute names of the kernel's own uapi header, from the Debian package
# of the same version as the cached kernel: linux-libc-dev (arm64, or arch all since trixie), else
# linux-headers-<abi>-common (bookworm's 6.12 has no linux-libc-dev of its own version). The lines
# of the PMU control group (`#define KVM_ARM_VCPU_PMU_V3_CTRL` and its indented attributes) go to
# $kd/pmu-attributes.h, headed by a comment naming the package; when no package has the header,
# $kd/pmu-attributes.h says why instead (the lab then fails its attribute-names check, naming it).
prepare_headers() {
    local kd pkg version abi tmp candidate deb header why=""
    kd=$(KDIR)
    [ -f "$kd/pmu-attributes.h" ] && return 0
    read -r pkg version _ < "$kd/package.txt" || die "$kd/package.txt unreadable"
    abi=${pkg%%:*}; abi=${abi#linux-image-}; abi=${abi#linux-binary-unsigned-}; abi=${abi%-arm64}
    if [ "$LAB_KERNEL" = 5.10 ] && [ -z "${LAB_KERNEL_PKG:-}" ]; then
        lab_apt bullseye
    elif [ "$LAB_KERNEL" = newest ] && [ -z "${LAB_KERNEL_PKG:-}" ]; then
        lab_apt trixie-backports
    fi
    tmp=$kd/headers.tmp
    for candidate in "linux-libc-dev:arm64=$version" "linux-libc-dev=$version" "linux-headers-$abi-common=$version"; do
        rm -rf "$tmp"; mkdir -p "$tmp"
        if ! (cd "$tmp" && apt-get "${APT_OPTS[@]+"${APT_OPTS[@]}"}" download -qq -o APT::Sandbox::User=root "$candidate" >/dev/null 2>&1); then
            why+="${why:+; }$candidate: not in the archive"
            continue
        fi
        deb=$(ls -1 "$tmp"/*.deb | sed -n 1p)
        dpkg-deb -x "$deb" "$tmp/root" || die "cannot unpack $deb"
        header=$(find "$tmp/root" -type f \( -path '*/arm64/include/uapi/asm/kvm.h' -o -path '*/uapi/arm64/asm/kvm.h' \
                  -o -path '*/aarch64-linux-gnu/asm/kvm.h' \) | sed -n 1p)
        if [ -z "$header" ]; then
            why+="${why:+; }$candidate: has no arm64 asm/kvm.h"
            continue
        fi
        {
            printf '/* The PMU control group of %s, from Debian %s %s */\n' "${header#"$tmp/root"}" \
                "$(dpkg-deb -f "$deb" Package)" "$(dpkg-deb -f "$deb" Version)"
            awk '/^#define[ \t]+KVM_ARM_VCPU_PMU_V3_CTRL[ \t]/ { on = 1; print; next }
                 on && /^#define[ \t][ \t]+/ { print; next }
                 on && /^#define/ { exit }' "$header"
        } > "$tmp/pmu-attributes.h"
        grep -q KVM_ARM_VCPU_PMU_V3_CTRL "$tmp/pmu-attributes.h" || die "$header has no KVM_ARM_VCPU_PMU_V3_CTRL group"
        mv "$tmp/pmu-attributes.h" "$kd/pmu-attributes.h"
        log "PMU attribute names of Linux $version: $(grep -c '^#define[[:space:]][[:space:]]' "$kd/pmu-attributes.h") from $candidate"
        rm -rf "$tmp"
        APT_OPTS=(); APT_UPDATED=0
        return 0
    done
    rm -rf "$tmp"
    APT_OPTS=(); APT_UPDATED=0
    log "no uapi header for Linux $version: $why"
    printf '/* unavailable: no Debian package of version %s has an arm64 asm/kvm.h (%s) */\n' "$version" "$why" \
        > "$kd/pmu-attributes.h"
}

prepare_busybox() {
    local bd=$LAB_DIR/busybox tmp deb
    [ -f "$bd/.done" ] && [ -x "$bd/busybox" ] && return 0
    ensure_arm64_arch
    log "fetching busybox-static:arm64"
    rm -rf "$bd" "$bd.tmp"; tmp=$bd.tmp; mkdir -p "$tmp/root"
    deb=$(apt_fetch busybox-static:arm64 "$tmp/deb")
    dpkg-deb -x "$deb" "$tmp/root"
    cp "$tmp/root/bin/busybox" "$tmp/busybox"
    printf 'busybox-static %s\n' "$(dpkg-deb -f "$deb" Version)" > "$tmp/package.txt"
    rm -rf "$tmp/deb" "$tmp/root"
    touch "$tmp/.done"
    mv "$tmp" "$bd"
}

prepare_libpfm() {
    local ld=$LAB_DIR/libpfm4 tmp deb
    [ -f "$ld/.done" ] && [ -f "$ld/lib/libpfm.a" ] && return 0
    ensure_arm64_arch
    log "fetching libpfm4-dev:arm64"
    rm -rf "$ld" "$ld.tmp"; tmp=$ld.tmp; mkdir -p "$tmp/root" "$tmp/lib"
    deb=$(apt_fetch libpfm4-dev:arm64 "$tmp/deb")
    dpkg-deb -x "$deb" "$tmp/root"
    [ -f "$tmp/root/usr/lib/aarch64-linux-gnu/libpfm.a" ] || die "$deb has no libpfm.a"
    # lib/ holds only the static archive (the .so symlink in the -dev package
    # dangles: libpfm.so.4 lives in libpfm4, which we don't fetch).
    ln -s ../root/usr/lib/aarch64-linux-gnu/libpfm.a "$tmp/lib/libpfm.a"
    ln -s root/usr/include "$tmp/include"
    printf 'libpfm4-dev %s\n' "$(dpkg-deb -f "$deb" Version)" > "$tmp/package.txt"
    rm -rf "$tmp/deb"
    touch "$tmp/.done"
    mv "$tmp" "$ld"
}

DTB_PATH() { printf '%s\n' "$LAB_DIR/dtb/virt-smp$LAB_SMP-m$LAB_MEM.dtb"; }

prepare_dtb() {
    local dd=$LAB_DIR/dtb dtb key
    dtb=$(DTB_PATH)
    key="$($QEMU --version | sed -n 1p) smp=$LAB_SMP mem=$LAB_MEM cpu=$QEMU_CPU machine=$QEMU_MACHINE patch=$(sha256sum "$LAB_SRC/patch_dts.py" | cut -c1-16)"
    if [ -f "$dtb" ] && [ "$(cat "$dtb.key" 2>/dev/null)" = "$key" ]; then
        return 0
    fi
    case "$LAB_SMP" in ''|*[!0-9]*) usage_die "LAB_SMP must be a number";; esac
    [ "$LAB_SMP" -ge 2 ] && [ $((LAB_SMP % 2)) -eq 0 ] || usage_die "LAB_SMP must be even and >= 2"
    mkdir -p "$dd"
    local base=${dtb%.dtb}
    log "building device tree $dtb"
    $QEMU -machine "$QEMU_MACHINE,dumpdtb=$base.qemu.dtb" -cpu "$QEMU_CPU" \
        -smp "$LAB_SMP" -m "$LAB_MEM" -nodefaults -display none >/dev/null 2>&1 || true
    [ -s "$base.qemu.dtb" ] || die "QEMU did not dump its device tree"
    dtc -q -I dtb -O dts -o "$base.qemu.dts" "$base.qemu.dtb"
    python3 "$LAB_SRC/patch_dts.py" "$base.qemu.dts" "$base.dts" \
        || die "patch_dts.py failed"
    dtc -q -I dts -O dtb -o "$dtb.tmp" "$base.dts" || die "dtc failed on $base.dts"
    mv "$dtb.tmp" "$dtb"
    printf '%s\n' "$key" > "$dtb.key"
}

cmd_prepare() {
    cmd_deps
    mkdir -p "$LAB_DIR"
    exec 9>"$LAB_DIR/.lock"
    flock 9
    prepare_kernel
    prepare_headers
    prepare_busybox
    prepare_libpfm
    prepare_dtb
    flock -u 9
    exec 9>&-
}

cmd_paths() {
    local kd; kd=$(KDIR)
    cat <<EOF
LAB_DIR='$LAB_DIR'
LAB_KERNEL='$LAB_KERNEL'
LAB_KERNEL_IMAGE='$kd/Image'
LAB_KERNEL_CONFIG='$kd/config'
LAB_PMU_ATTRIBUTE_NAMES='$kd/pmu-attributes.h'
LAB_DTB='$(DTB_PATH)'
LAB_BUSYBOX='$LAB_DIR/busybox/busybox'
LAB_LIBPFM_A='$LAB_DIR/libpfm4/lib/libpfm.a'
LAB_LIBPFM_LIBDIR='$LAB_DIR/libpfm4/lib'
LAB_LIBPFM_INCLUDE='$LAB_DIR/libpfm4/include'
LAB_CROSS_CC='aarch64-linux-gnu-gcc'
LAB_CROSS_SYSROOT='/usr/aarch64-linux-gnu'
EOF
}

# ---------------------------------------------------------------------------
# run

squote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

check_binary() {
    local bin=$1 m
    [ -f "$bin" ] || usage_die "no such file: $bin"
    [ "$(head -c4 "$bin" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] || die "$bin is not an ELF file"
    m=$(dd if="$bin" bs=1 skip=18 count=2 2>/dev/null | od -An -tx1 | tr -d ' ')
    [ "$m" = b700 ] || die "$bin is not an aarch64 ELF (e_machine bytes $m)"
    if command -v aarch64-linux-gnu-readelf >/dev/null \
       && aarch64-linux-gnu-readelf -lW "$bin" 2>/dev/null | grep 'program interpreter' >/dev/null; then
        die "$bin is dynamically linked; the guest has no libc, link it with -static"
    fi
}

write_init() {
    # $1 = init path, $2 = payload guest path, $3 = guest timeout, rest = args
    local init=$1 payload=$2 guest_timeout=$3; shift 3
    local args="" a
    for a in "$@"; do args+=" $(squote "$a")"; done
    cat > "$init" <<'EOF'
#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /tmp /run /bin /sbin /usr/bin /usr/sbin /root
/bin/busybox --install -s
export PATH=/lab:/bin:/sbin:/usr/bin:/usr/sbin HOME=/root LAB=1
mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tmpfs tmpfs /tmp
[ -e /proc/sys/kernel/perf_user_access ] && echo 1 > /proc/sys/kernel/perf_user_access
[ -e /proc/sys/kernel/perf_event_paranoid ] && echo -1 > /proc/sys/kernel/perf_event_paranoid
echo "lab-init: kernel $(uname -r), $(grep -c ^processor /proc/cpuinfo) cpus, perf_user_access=$(cat /proc/sys/kernel/perf_user_access 2>/dev/null || echo n/a)"
for p in /sys/bus/event_source/devices/*; do
    echo "lab-init: pmu $(basename $p) type=$(cat $p/type) cpus=$(cat $p/cpus 2>/dev/null || echo -)"
done
# Keep kernel messages off the console while the payload runs (dmesg has them).
echo "1 4 1 7" > /proc/sys/kernel/printk
# The payload's stdout/stderr go through pipes and are tagged line by line, so
# the host can separate them (and ignore anything else on the console).
mkfifo /tmp/lab-out /tmp/lab-err
awk '{ print "@@O@@ " $0; fflush() }' < /tmp/lab-out &
outpid=$!
awk '{ print "@@E@@ " $0; fflush() }' < /tmp/lab-err &
errpid=$!
cd /lab
echo
echo "@@LAB:BEGIN@@"
EOF
    local e
    for e in "${LAB_PAYLOAD_ENV[@]+"${LAB_PAYLOAD_ENV[@]}"}"; do
        printf 'export %s=%s\n' "${e%%=*}" "$(squote "${e#*=}")" >> "$init"
    done
    printf '%s%s </dev/null >/tmp/lab-out 2>/tmp/lab-err &\n' "$(squote "$payload")" "$args" >> "$init"
    printf 'pid=$!\nguest_timeout=%s\n' "$guest_timeout" >> "$init"
    cat >> "$init" <<'EOF'
wd=
if [ "$guest_timeout" -gt 0 ]; then
    ( sleep "$guest_timeout"; echo "@@LAB:GUEST-TIMEOUT $guest_timeout@@"; kill -KILL $pid ) &
    wd=$!
fi
wait $pid
rc=$?
[ -n "$wd" ] && kill $wd 2>/dev/null
wait $outpid $errpid
echo "@@LAB:END rc=$rc@@"
echo "7 4 1 7" > /proc/sys/kernel/printk
sync
poweroff -f
echo o > /proc/sysrq-trigger
sleep 5
EOF
    chmod 755 "$init"
}

prune_runs() {
    local rd=$LAB_DIR/runs
    [ -d "$rd" ] || return 0
    # real directories only (never the `latest` symlink), newest first
    find "$rd" -mindepth 1 -maxdepth 1 -type d -printf '%T@ %p\n' | sort -rn \
        | tail -n +"$((LAB_KEEP_RUNS + 1))" | cut -d' ' -f2- | while read -r d; do
        rm -rf -- "$d"
    done
}

cmd_run() {
    local out_file="" err_file="" quiet=0 files=() envs=()
    while [ $# -gt 0 ]; do
        case "$1" in
            -o|--output) [ $# -ge 2 ] || usage_die "$1 needs an argument"; out_file=$2; shift 2 ;;
            -e|--stderr) [ $# -ge 2 ] || usage_die "$1 needs an argument"; err_file=$2; shift 2 ;;
            -f|--file)   [ $# -ge 2 ] || usage_die "$1 needs an argument"; files+=("$2"); shift 2 ;;
            -E|--env)    [ $# -ge 2 ] || usage_die "$1 needs an argument"
                         case "$2" in [A-Za-z_]*=*) ;; *) usage_die "--env wants NAME=VALUE, got '$2'";; esac
                         envs+=("$2"); shift 2 ;;
            -q|--quiet)  quiet=1; shift ;;
            --) shift; break ;;
            -*) usage_die "unknown option $1" ;;
            *) break ;;
        esac
    done
    [ $# -ge 1 ] || usage_die "run: BINARY missing"
    local bin=$1; shift
    case "$LAB_TIMEOUT" in ''|*[!0-9]*) usage_die "LAB_TIMEOUT must be a number of seconds";; esac
    if [ -z "${LAB_GUEST_TIMEOUT:-}" ]; then
        LAB_GUEST_TIMEOUT=$((LAB_TIMEOUT - 60))
        [ "$LAB_GUEST_TIMEOUT" -lt $((LAB_TIMEOUT / 2)) ] && LAB_GUEST_TIMEOUT=$((LAB_TIMEOUT / 2))
    fi
    case "$LAB_GUEST_TIMEOUT" in ''|*[!0-9]*) usage_die "LAB_GUEST_TIMEOUT must be a number of seconds";; esac
    check_binary "$bin"
    cmd_prepare

    local kd run id
    kd=$(KDIR)
    mkdir -p "$LAB_DIR/runs"
    id=$(date +%Y%m%d-%H%M%S)-$$
    run=$LAB_DIR/runs/$id
    mkdir -p "$run/root/bin" "$run/root/lab"
    ln -sfn "$id" "$LAB_DIR/runs/latest"

    # initramfs: busybox + /init + payload (+ extra files)
    cp "$LAB_DIR/busybox/busybox" "$run/root/bin/busybox"
    local name; name=$(basename "$bin")
    cp "$bin" "$run/root/lab/$name"; chmod 755 "$run/root/lab/$name"
    local f src dst
    for f in "${files[@]+"${files[@]}"}"; do
        src=${f%%:*}; dst=${f#*:}
        [ "$dst" = "$f" ] && dst=/lab/$(basename "$src")
        [ -e "$src" ] || usage_die "--file: no such file: $src"
        mkdir -p "$run/root$(dirname "$dst")"
        cp -r "$src" "$run/root$dst"
    done
    LAB_PAYLOAD_ENV=("${envs[@]+"${envs[@]}"}")
    write_init "$run/root/init" "/lab/$name" "$LAB_GUEST_TIMEOUT" "$@"
    (cd "$run/root" && find . -print0 | cpio --null -o -H newc -R 0:0 --quiet) > "$run/initramfs.cpio" \
        || die "cpio failed"
    # cpio prints nothing when it fails to add files; make sure /init is in.
    cpio -it --quiet < "$run/initramfs.cpio" 2>/dev/null | grep -x init >/dev/null || die "initramfs has no /init (is cpio working?)"
    rm -rf "$run/root"

    local console=$run/console.log qrc=0 t0 t1
    log "booting Linux $(cut -d' ' -f2 "$kd/package.txt") ($LAB_KERNEL), $LAB_SMP cpus, timeout ${LAB_TIMEOUT}s; console: $console"
    t0=$(date +%s)
    local qemu_cmd=(timeout --signal=TERM --kill-after=10 "$LAB_TIMEOUT"
        "$QEMU" -machine "$QEMU_MACHINE" -cpu "$QEMU_CPU"
        -smp "$LAB_SMP" -m "$LAB_MEM" -nodefaults -no-user-config
        -display none -monitor none -serial stdio -no-reboot
        -kernel "$kd/Image" -initrd "$run/initramfs.cpio" -dtb "$(DTB_PATH)"
        -append "console=ttyAMA0 rdinit=/init panic=-1 $LAB_APPEND")
    # shellcheck disable=SC2206
    [ -n "$LAB_QEMU_ARGS" ] && qemu_cmd+=($LAB_QEMU_ARGS)
    printf '%q ' "${qemu_cmd[@]}" > "$run/qemu-cmd.txt"; echo >> "$run/qemu-cmd.txt"
    set +e
    if [ "$LAB_VERBOSE" = 1 ]; then
        "${qemu_cmd[@]}" < /dev/null 2>&1 | tee "$console" >&2
        qrc=${PIPESTATUS[0]}
    else
        "${qemu_cmd[@]}" < /dev/null > "$console" 2>&1
        qrc=$?
    fi
    set -e
    t1=$(date +%s)
    echo "$((t1 - t0))" > "$run/boot-seconds"

    local prc=0 status
    set +e
    status=$(python3 "$LAB_SRC/extract_output.py" "$console" "$run/stdout.txt" "$run/stderr.txt")
    prc=$?
    set -e
    [ -n "$out_file" ] && cp "$run/stdout.txt" "$out_file"
    [ -n "$err_file" ] && cp "$run/stderr.txt" "$run/stderr.txt.copy" && mv "$run/stderr.txt.copy" "$err_file"
    if [ "$quiet" = 0 ]; then
        cat "$run/stdout.txt"
        cat "$run/stderr.txt" >&2
    fi
    prune_runs

    local why=""
    if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
        why="timed out after ${LAB_TIMEOUT}s (QEMU killed)"
    elif [ "$prc" = 3 ]; then
        why="the binary never started (boot failed?)"
    elif [ "$prc" = 4 ]; then
        why="no end marker (binary hung or crashed the guest)"
    elif [ "$prc" != 0 ]; then
        why="cannot parse the console log"
    elif [ "$qrc" != 0 ]; then
        log "warning: QEMU exited with status $qrc"
    fi
    if [ -n "$why" ]; then
        echo "lab-failure: $why" > "$run/status"
        log "FAILED: $why"
        grep -E 'Kernel panic|Unable to handle|Oops|BUG:|Internal error' "$console" | head -n5 | sed 's/^/lab:   /' >&2 || true
        log "last console lines:"
        tail -n 15 "$console" | sed 's/^/lab:   | /' >&2
        log "console log: $console"
        exit 2
    fi
    local rc=${status% *} gto=${status#* } what
    echo "$rc" > "$run/status"
    if [ "$rc" != 0 ]; then
        what="status $rc"
        [ "$rc" -gt 128 ] && what="$what (signal $((rc - 128)))"
        [ "$gto" = 1 ] && what="$what: killed by the guest watchdog after ${LAB_GUEST_TIMEOUT}s (LAB_GUEST_TIMEOUT)"
        log "binary exited with $what ($((t1 - t0))s; console: $console)"
        exit 1
    fi
    log "ok ($((t1 - t0))s; console: $console)"
}

cmd_probe() {
    cmd_deps
    local pd=$LAB_DIR/probe
    mkdir -p "$pd"
    if [ ! -x "$pd/probe" ] || [ "$LAB_SRC/probe.c" -nt "$pd/probe" ]; then
        log "compiling probe.c"
        aarch64-linux-gnu-gcc -static -O2 -Wall -Wextra -o "$pd/probe.tmp" "$LAB_SRC/probe.c" \
            || die "cannot compile probe.c"
        mv "$pd/probe.tmp" "$pd/probe"
    fi
    cmd_run "$@" "$pd/probe"
}

cmd_clean() {
    if [ "${1:-}" = --all ]; then
        log "removing $LAB_DIR"; rm -rf "$LAB_DIR"
    else
        log "removing $LAB_DIR/runs"; rm -rf "$LAB_DIR/runs"
    fi
}

[ $# -ge 1 ] || { usage >&2; exit 64; }
cmd=$1; shift
case "$cmd" in
    deps)    cmd_deps ;;
    prepare) cmd_prepare ;;
    run)     cmd_run "$@" ;;
    probe)   cmd_probe "$@" ;;
    paths)   cmd_paths ;;
    clean)   cmd_clean "$@" ;;
    help|-h|--help) usage ;;
    *) usage_die "unknown command '$cmd'" ;;
esac
