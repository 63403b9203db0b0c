# shellcheck shell=bash
# Common settings of the harness. Sourced, not run.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BOUNCE_BUILD:-$TOP/build}
BASE_SERIES=7.2			# the base: Debian's linux-source-$BASE_SERIES
BASE=$BUILD/base		# pristine Debian linux-source-7.2, as a git repo
BASE_VERSION_FILE=$BUILD/base-version	# the Debian version it came from
TREE=$BUILD/linux		# base + our series, one commit per patch
PATCHES=$TOP/patches		# the series: git format-patch files, "series"
# What is ours at the top level; every other top-level entry is the
# generated view of the series' final files (harness/view).
OURS=(.git .ci .gitignore .gitattributes README.md build harness lab patches tools)
# Top-level folders of OURS that the view shares: only these folders in
# them are ours; the rest is the view (tools/dma, which the series changes).
OURS_SHARED=(tools/perf-scripts)
export CCACHE_DIR=${CCACHE_DIR:-/var/cache/bounce-ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
export CCACHE_BASEDIR=$BUILD	# relative paths: the cache serves any clone
JOBS=${JOBS:-$(nproc)}
# The suites of every series: the policy's, the counters' and the RFC's in
# lib/kunit-tests, dma-debug's and swiotlb's beside their code.
KUNITCONFIGS=(lib/kunit-tests/.kunitconfig kernel/dma/swiotlb.kunitconfig
	      kernel/dma/dma_debug.kunitconfig)

PACKAGES=(build-essential gcc-aarch64-linux-gnu gcc-riscv64-linux-gnu
	  gcc-arm-linux-gnueabihf
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

# debian_mirror: the Debian mirror this machine's apt configuration uses
# (deb822 sources first, then one-line ones)
debian_mirror() {
	local mirror
	mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
		 awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i ~ /\/debian\/?$/) { print $i; exit } }')
	[ -n "$mirror" ] ||
		mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
			 awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /\/debian\/?$/) { print $i; exit } }')
	[ -n "$mirror" ] || die "no Debian mirror in this machine's apt configuration"
	echo "$mirror"
}

# apt_suite_opts DIR: set APT_OPTS, the options of apt-get and apt-cache
# for the apt state in DIR that apt_suite made
apt_suite_opts() {
	APT_OPTS=(-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$1/etc"
		  -o Dir::State="$1/state" -o Dir::Cache="$1/cache"
		  -o Dir::State::status=/var/lib/dpkg/status)
}

# apt_suite DIR SUITE: give SUITE (main, on debian_mirror) an apt state of
# its own in DIR and update it, leaving the system's sources and state
# alone. Sets APT_OPTS, the options of apt-get and apt-cache for it. False
# if the update fails (DIR/update.log says why).
apt_suite() {
	local dir=$1 suite=$2 mirror
	mirror=$(debian_mirror)
	mkdir -p "$dir/etc" "$dir/state/lists/partial" "$dir/cache/archives/partial"
	cat >"$dir/etc/$suite.sources" <<-EOF
	Types: deb
	URIs: $mirror
	Suites: $suite
	Components: main
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF
	apt_suite_opts "$dir"
	apt-get "${APT_OPTS[@]}" -qq update >"$dir/update.log" 2>&1
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
	arm) echo "CC=ccache arm-linux-gnueabihf-gcc" ;;
	x86_64) echo "CC=ccache gcc" ;;
	riscv64) echo "CC=ccache riscv64-linux-gnu-gcc" ;;
	*) die "unknown arch $1" ;;
	esac
}

kunit_cross() {
	case $1 in
	arm64) echo "--cross_compile=aarch64-linux-gnu-" ;;
	arm) echo "--cross_compile=arm-linux-gnueabihf-" ;;
	riscv64) echo "--cross_compile=riscv64-linux-gnu-" ;;
	*) echo "" ;;
	esac
}

LOGS=$BUILD/logs

# run_kunit NAME ARCH COMMAND [kunit.py args...]: run kunit.py on the tree,
# log to build/logs/NAME.log, its results as KernelCI JSON (kunit.py --json)
# in build/logs/NAME.json, and print "passed failed skipped" on stdout,
# counted over the test cases of that JSON (a crashed case counts as
# failed; a run that gave no results at all is one failure). COMMAND build
# only builds the kernel (for harness/lava), and fails as the build does.
run_kunit() {
	local name=$1 arch=$2 cmd=$3 log json
	shift 3
	mkdir -p "$LOGS"
	log=$LOGS/$name.log
	json=$LOGS/$name.json
	rm -f "$json"
	# KUNIT_VARIANT=NAME builds in a directory of its own (kunit-ARCH-NAME);
	# KUNIT_TREE=DIR and KUNIT_CONFIG=FILE build another tree (the
	# pristine base, for harness/bench-stock) with another .kunitconfig
	# KUNIT_BUILD_DIR=DIR builds there instead
	local kbuild=${KUNIT_BUILD_DIR:-$BUILD/kunit-$arch${KUNIT_VARIANT:+-$KUNIT_VARIANT}}
	local tree=${KUNIT_TREE:-$TREE}
	local kunitconfigs=() k
	if [ -n "${KUNIT_CONFIG:-}" ]; then
		kunitconfigs=("$KUNIT_CONFIG")
	else
		for k in "${KUNITCONFIGS[@]}"; do
			[ ! -f "$TREE/$k" ] || kunitconfigs+=("$TREE/$k")
		done
	fi
	local args=(--arch="$arch" --build_dir="$kbuild")
	[ "$cmd" = build ] || args+=(--json="$json" --timeout=900)
	# riscv64 runs on QEMU 10 (harness/qemu10), whose CPU has Zicbom
	if [ "$arch" = riscv64 ]; then
		"$TOP/harness/qemu10" >/dev/null
		args=(--arch=riscv --qemu_config="$TOP/harness/config/kunit-riscv64.py"
		      "${args[@]:1}")
	fi
	# KUNIT_QEMU_CONFIG=FILE boots arm64 with a QEMU configuration of ours
	if [ "$arch" = arm64 ] && [ -n "${KUNIT_QEMU_CONFIG:-}" ]; then
		args=(--arch=arm64 --qemu_config="$KUNIT_QEMU_CONFIG" "${args[@]:1}")
	fi
	# two CPUs, for the tests of concurrent mappings
	args+=(--qemu_args "-smp 2")
	if [ "$cmd" != exec ]; then
		for k in "${kunitconfigs[@]}"; do
			args+=(--kunitconfig="$k")
		done
		args+=(--jobs="$JOBS" --make_options "$(kunit_make_opts "$arch")")
		# shellcheck disable=SC2207
		args+=($(kunit_cross "$arch"))
		# what the suites need on this architecture besides their
		# .kunitconfig (which turns SMP on: kunit.py's x86_64, riscv
		# and arm configurations leave it off), as kunit.py alone
		# takes it: lib/kunit-tests/ARCH.kunitconfig
		local archconfig=$TREE/lib/kunit-tests/$arch.kunitconfig
		[ ! -f "$archconfig" ] || args+=(--kunitconfig="$archconfig")
	fi
	say "kunit $cmd $arch ($name), log in $log"
	# QEMU with TCG only: see harness/qemu-tcg/qemu-system-x86_64
	(cd "$tree" && PATH="$TOP/harness/qemu-tcg:$PATH" \
		python3 tools/testing/kunit/kunit.py "$cmd" "${args[@]}" "$@") >"$log" 2>&1 ||
		{ [ "$cmd" != build ] || { tail -n 30 "$log" >&2; return 1; }; }
	[ "$cmd" != build ] || return 0
	# the kernel's own output, which kunit.py parses and may misread
	cp -f "$kbuild/test.log" "$LOGS/$name.console.log" 2>/dev/null || true
	# After a WARN on one CPU, printk may print the message before it
	# again ("** replaying previous printk message **"): kunit.py takes the
	# copy for a result out of order and drops the rest of the suite.
	# Parse the console again without the replayed copies.
	if grep -q 'replaying previous printk message' "$LOGS/$name.console.log" 2>/dev/null; then
		say "$name: printk replayed messages; parsing the console again without them"
		python3 "$TOP/harness/kunit-unreplay.py" <"$LOGS/$name.console.log" \
			>"$LOGS/$name.console.clean.log"
		rm -f "$json"
		(cd "$tree" && python3 tools/testing/kunit/kunit.py parse --json="$json" \
			"$LOGS/$name.console.clean.log") >>"$log" 2>&1 || true
	fi
	if [ ! -s "$json" ]; then
		tail -n 30 "$log" >&2
		say "$name: no test result (build or boot failure)"
		echo "0 1 0"
		return
	fi
	local p f s warns
	read -r p f s < <(python3 "$TOP/harness/kunit-count.py" "$json" "$name")
	# A WARN or a BUG report (sleeping or smp_processor_id() where it may
	# not, KASAN) is a bug the tests did not ask for, unless it is a WARN of
	# dma-debug's reports (which its tests provoke and count; a BUG in
	# dma-debug counts): one more failure, with the reports named.
	warns=$(grep -E '(^|\] )(WARNING|BUG): ' "$LOGS/$name.console.log" 2>/dev/null |
		grep -v 'WARNING: .*kernel/dma/debug\.c' || true)
	if [ -n "$warns" ]; then
		say "$name: unexpected WARN or BUG in the console:"
		echo "$warns" | sed 's/^/    /' >&2
		f=$((f + 1))
	fi
	echo "$p $f $s"
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

# git settings for what the harness generates (patches/, the view): neither
# a user's git config nor the number of objects in a repository (which sets
# how long abbreviated ids are) may change a byte of it.
GIT_STABLE=(-c core.abbrev=12 -c diff.renames=true -c diff.algorithm=myers
	    -c diff.noprefix=false -c diff.mnemonicPrefix=false -c diff.context=3
	    -c diff.interHunkContext=0 -c diff.suppressBlankEmpty=false
	    -c diff.indentHeuristic=false -c color.ui=false)
# (format-patch --base computes the prerequisite patch ids without the
# indent heuristic: the patches must be diffed the same way for the ids
# to name them)

# The tree holds several series, applied in order (patches/series lists
# them by folder). Each starts with a cover commit, as b4 prep keeps a
# cover letter: an empty commit whose message is the cover letter's
# subject and text, with the trailers "Subject-Prefix: PATCH v2",
# "Applies-Alone: yes" for a series that needs none of the series before it
# (its cover letter then lists no prerequisite patch ids), and "Series: DIR"
# (its folder in patches/). Rebasing keeps them in place.

# cover_commits: the cover commits of base..series, oldest first
cover_commits() {
	git -C "$TREE" rev-list --reverse --grep='^Series: ' base..series
}

# commit_trailer COMMIT KEY: the value of a trailer of COMMIT's message
commit_trailer() {
	git -C "$TREE" log -1 --format="%(trailers:key=$2,valueonly,separator=%x20)" "$1" |
		sed -n '1p'
}

# cover_text: a cover commit's message (stdin) without its trailers
cover_text() {
	sed -E '/^(Subject-Prefix|Applies-Alone|Series): /,$d'
}

# series_ranges: a line "COVER TIP DIR" per series of the tree, in order:
# its cover commit, its last patch and its folder in patches/
series_ranges() {
	local covers i c tip dir
	mapfile -t covers < <(cover_commits)
	[ ${#covers[@]} -gt 0 ] ||
		die "no cover commit in base..series: each series starts with an empty commit holding its cover letter and a \"Series: DIR\" trailer"
	for i in "${!covers[@]}"; do
		c=${covers[$i]}
		if [ $((i + 1)) -lt ${#covers[@]} ]; then
			tip=$(git -C "$TREE" rev-parse "${covers[$((i + 1))]}^")
		else
			tip=$(git -C "$TREE" rev-parse series)
		fi
		dir=$(commit_trailer "$c" Series)
		[ -n "$dir" ] || die "cover commit $c names no series"
		[ "$(git -C "$TREE" rev-list --count "$c..$tip")" -gt 0 ] ||
			die "series $dir has no patch"
		echo "$c $tip $dir"
	done
}

# format_one DIR COVER TIP [OPTION...]: git format-patch of the series
# COVER..TIP into DIR, its cover letter from the cover commit COVER (the
# message without its trailers, as a branch description), its subject
# prefix from the Subject-Prefix: trailer unless SUBJECT_PREFIX is set,
# with base-commit and the prerequisite patch ids of the series before it
# (none for a series that applies alone; never the empty cover commits').
# FORMAT_GIT holds options for git itself, OPTIONs go to format-patch.
FORMAT_GIT=()
format_one() {
	local out=$1 c=$2 tip=$3 prefix branch=harness-format cover
	shift 3
	rm -rf "$out"
	mkdir -p "$out"
	prefix=${SUBJECT_PREFIX:-$(commit_trailer "$c" Subject-Prefix)}
	git -C "$TREE" branch -f "$branch" "$tip"
	git -C "$TREE" config "branch.$branch.description" \
		"$(git -C "$TREE" log -1 --format=%B "$c" | cover_text)"
	git -C "$TREE" "${FORMAT_GIT[@]}" format-patch -q --base=base \
		--subject-prefix="${prefix:-PATCH}" \
		--cover-letter --cover-from-description=subject \
		"$@" -o "$out" "$c..$branch"
	git -C "$TREE" config --unset "branch.$branch.description" || true
	git -C "$TREE" branch -D -q "$branch"
	cover=$(ls "$out"/0000-*.patch)
	sed -i '/^prerequisite-patch-id: 0\{40\}$/d' "$cover"
	[ "$(commit_trailer "$c" Applies-Alone)" != yes ] ||
		sed -i '/^prerequisite-patch-id: /d' "$cover"
}

# format_series DIR: write the series of the tree (base..series) into DIR as
# patches/ holds them: a folder per series (format_one; "From" the author
# of its last patch, the cover letter dated like its newest patch) with
# quilt's "series" file, and DIR/series listing every patch in order. The
# same commits always give the same bytes: all-zero commit ids, no
# signature of the git version, no Message-Id.
format_series() {
	local out=$1 c tip dir date ranges
	# (a die in a process substitution would not stop us)
	ranges=$(series_ranges) || exit 1
	mkdir -p "$out"
	: >"$out/series"
	while read -r c tip dir; do
		FORMAT_GIT=("${GIT_STABLE[@]}"
			    -c user.name="$(git -C "$TREE" log -1 --format=%an "$tip")"
			    -c user.email="$(git -C "$TREE" log -1 --format=%ae "$tip")"
			    -c format.signOff=false -c format.numbered=auto
			    -c format.suffix=.patch)
		format_one "$out/$dir" "$c" "$tip" --zero-commit --no-signature --no-thread
		date=$(git -C "$TREE" log --format='%at %aD' "$c..$tip" | sort -n |
		       tail -n 1 | cut -d' ' -f2-)
		sed -i "0,/^Date: .*/s//Date: $date/" "$out/$dir"/0000-*.patch
		dir_patches_of "$out/$dir" >"$out/$dir/series"
		sed "s|^|$dir/|" "$out/$dir/series" >>"$out/series"
	done <<<"$ranges"
	FORMAT_GIT=()
}

# dir_patches_of DIR: the patch files of a format-patch folder, in order,
# without the cover letter
dir_patches_of() {
	(cd "$1" && ls [0-9][0-9][0-9][0-9]-*.patch | grep -v '^0000-')
}

# dir_patch_paths DIR: the same, with their paths
dir_patch_paths() {
	dir_patches_of "$1" | sed "s|^|$1/|"
}

# dir_patches DIR: the patches of patches/DIR, with their paths, in the
# order of its "series" file
dir_patches() {
	grep -v '^[[:space:]]*\(#\|$\)' "$PATCHES/$1/series" | sed "s|^|$PATCHES/$1/|"
}

# cover_description FILE: the branch description that gives back the cover
# letter FILE: its subject (without "[PATCH 00/NN]"), a blank line, and its
# text up to the shortlog.
cover_description() {
	python3 - "$1" <<'PY'
import email, re, sys
from email import policy
msg = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=policy.default)
subject = re.sub(r'^\[[^]]*\]\s*', '', ' '.join(str(msg['Subject']).split()))
body = msg.get_content()
# format-patch puts the shortlog ("Author (N):") after the text
lines = body.split('\n')
for i, line in enumerate(lines):
    if re.match(r'^\S.* \(\d+\):$', line):
        body = '\n'.join(lines[:i])
        break
print(subject + '\n\n' + body.strip() + '\n', end='')
PY
}

# series_patches: the patch files of patches/series, in order, with their
# paths; with BOUNCE_DRIVERS=1, the driver series of patches/drivers after
# them (the lab measures what the driver patches change; harvest refuses a
# tree assembled so).
series_patches() {
	grep -v '^[[:space:]]*\(#\|$\)' "$PATCHES/series" | sed "s|^|$PATCHES/|"
	[ "${BOUNCE_DRIVERS:-0}" != 1 ] || dir_patches drivers
}

# series_dirs: the folders of the series in patches/, in the order they
# apply (the order of patches/series)
series_dirs() {
	grep -v '^[[:space:]]*\(#\|$\)' "$PATCHES/series" | sed -n 's|/.*||p' |
		awk '!seen[$0]++'
}

# cover_message FILE DIR: the message of the cover commit that gives back
# the cover letter FILE of the series in patches/DIR
cover_message() {
	local prefix
	prefix=$(sed -n 's/^Subject: \[\(.*\) [0-9]*\/[0-9]*\].*/\1/p' "$1" | head -n 1)
	cover_description "$1"
	printf '\nSubject-Prefix: %s\n' "${prefix:-PATCH}"
	# base-commit: without prerequisite patch ids
	grep -q '^prerequisite-patch-id: ' "$1" || printf 'Applies-Alone: yes\n'
	printf 'Series: %s\n' "$2"
}

# series_sum: a checksum of the series as patches/ holds them.
series_sum() {
	local p d
	mapfile -t p < <(series_patches)
	for d in $(series_dirs); do
		p+=("$PATCHES/$d/0000-cover-letter.patch")
	done
	cat "${p[@]}" | sha256sum | cut -d' ' -f1
}

# config_fragment FRAGMENT...: the harness's config fragments (names in
# harness/config/, or paths), concatenated, comments dropped.
config_fragment() {
	local f
	for f; do
		[ -f "$f" ] || f=$TOP/harness/config/$f
		grep -v '^\s*#' "$f"
	done
}

# kunit_dtb_line128: QEMU's arm64 virt device tree (kunit.py's machine: -cpu
# max, 1 GiB, two CPUs) where each CPU describes its caches (L1 data and
# instruction, and an L2 of its own, as CLIDR_EL1 has them): the first with
# 64-byte lines, the second with 128-byte lines. Every CPU must describe
# them, or cacheinfo takes CLIDR_EL1's for all. Prints its path.
kunit_dtb_line128() {
	local dtb=$BUILD/kunit-arm64-line128.dtb dts=$BUILD/kunit-arm64-line128.dts
	if [ ! -s "$dtb" ]; then
		qemu-system-aarch64 -machine "virt,dumpdtb=$BUILD/kunit-arm64-virt.dtb" \
			-cpu max -smp 2 -m 1024 -nographic >/dev/null 2>&1 ||
			die "qemu could not dump its device tree"
		dtc -q -I dtb -O dts -o "$dts" "$BUILD/kunit-arm64-virt.dtb"
		grep -q 'cpu@1 {' "$dts" || die "QEMU's device tree has no cpu@1"
		# the L2 nodes last in the root, as dtc wants subnodes after
		# properties
		awk '
		function caches(cpu, line) {
			l[n++] = "\t\t\td-cache-size = <0x8000>;"
			l[n++] = "\t\t\td-cache-line-size = <" line ">;"
			l[n++] = "\t\t\ti-cache-size = <0x8000>;"
			l[n++] = "\t\t\ti-cache-line-size = <0x40>;"
			l[n++] = "\t\t\tnext-level-cache = <&l2c" cpu ">;"
		}
		function l2(cpu, line) {
			print "\tl2c" cpu ": l2-cache" cpu " {"
			print "\t\tcompatible = \"cache\";"
			print "\t\tcache-level = <0x02>;"
			print "\t\tcache-unified;"
			print "\t\tcache-size = <0x100000>;"
			print "\t\tcache-line-size = <" line ">;"
			print "\t};"
		}
		/cpu@0 \{/ { l[n++] = $0; caches(0, "0x40"); next }
		/cpu@1 \{/ { l[n++] = $0; caches(1, "0x80"); next }
		{ l[n++] = $0 }
		END {
			for (i = 0; i < n - 1; i++)
				print l[i]
			l2(0, "0x40")
			l2(1, "0x80")
			print l[n - 1]
		}' "$dts" >"$dts.new" && mv "$dts.new" "$dts"
		dtc -q -I dts -O dtb -o "$dtb" "$dts"
	fi
	echo "$dtb"
}
