# shellcheck shell=bash
# Common settings of the harness. Sourced, not run.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BOUNCE_BUILD:-$TOP/build}
BASE=$BUILD/base		# pristine Debian linux-source-6.12, as a git repo
TREE=$BUILD/linux		# base + our series, one commit per patch
SERIES=$TOP/linux		# the series: one folder per patch
SRC_TARBALL=/usr/src/linux-source-6.12.tar.xz
export CCACHE_DIR=${CCACHE_DIR:-/var/cache/bounce-ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
export CCACHE_BASEDIR=$BUILD	# relative paths: the cache serves any clone
JOBS=${JOBS:-$(nproc)}

PACKAGES=(linux-source-6.12 build-essential gcc-aarch64-linux-gnu
	  qemu-system-arm qemu-system-x86 flex bison bc libelf-dev
	  libssl-dev ccache dwarves python3 rsync xz-utils cpio kmod git
	  perl python3-ply python3-git device-tree-compiler
	  linux-perf python3-matplotlib)

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo

# need_packages PKG...: install the Debian packages that are not installed
# yet, with one apt-get update first.
need_packages() {
	local p missing=()
	for p; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	say "installing ${missing[*]}"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
}

# git with a fixed identity, for the commits the harness makes
hgit() {
	git -c user.name="Bounce Harness" -c user.email=harness@localhost \
	    -c advice.detachedHead=false "$@"
}

# make options for kunit.py: ccache in front of the right compiler
kunit_make_opts() {
	case $1 in
	arm64) echo "CC=ccache aarch64-linux-gnu-gcc" ;;
	x86_64) echo "CC=ccache gcc" ;;
	*) die "unknown arch $1" ;;
	esac
}

kunit_cross() {
	case $1 in
	arm64) echo "--cross_compile=aarch64-linux-gnu-" ;;
	*) echo "" ;;
	esac
}

LOGS=$BUILD/logs

# run_kunit NAME ARCH COMMAND [kunit.py args...]: run kunit.py on the tree,
# log to build/logs/NAME.log, and print "passed failed skipped" on stdout
# (failed counts crashes too; a run without a result line is one failure).
run_kunit() {
	local name=$1 arch=$2 cmd=$3 log line
	shift 3
	mkdir -p "$LOGS"
	log=$LOGS/$name.log
	local args=(--arch="$arch" --build_dir="$BUILD/kunit-$arch")
	# two CPUs, for the tests of concurrent mappings
	args+=(--qemu_args "-smp 2")
	if [ "$cmd" != exec ]; then
		args+=(--kunitconfig="$TREE/lib/kunit-tests/.kunitconfig"
		       --jobs="$JOBS" --make_options "$(kunit_make_opts "$arch")")
		# shellcheck disable=SC2207
		args+=($(kunit_cross "$arch"))
	fi
	say "kunit $cmd $arch ($name), log in $log"
	(cd "$TREE" && python3 tools/testing/kunit/kunit.py "$cmd" "${args[@]}" \
		--timeout=900 "$@") >"$log" 2>&1 || true
	line=$(grep -a 'Testing complete\. Ran' "$log" | tail -n 1 || true)
	if [ -z "$line" ]; then
		tail -n 30 "$log" >&2
		say "$name: no test result (build or boot failure)"
		echo "0 1 0"
		return
	fi
	say "$name: ${line#*Testing complete. }"
	python3 - "$line" <<'PY'
import re, sys
c = dict((k, int(v)) for k, v in re.findall(r'(passed|failed|crashed|skipped|errors): (\d+)', sys.argv[1]))
print(c.get('passed', 0), c.get('failed', 0) + c.get('crashed', 0) + c.get('errors', 0), c.get('skipped', 0))
PY
}

# wait_for PID SECONDS: true as soon as PID has exited, false if it still
# runs after SECONDS (for progress lines during long jobs)
wait_for() {
	local i
	for ((i = 0; i < $2; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 1
	done
	! kill -0 "$1" 2>/dev/null
}
