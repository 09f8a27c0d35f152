#!/bin/sh
# run.sh: builds the libFuzzer targets with clang and runs each of them.
#
# Called by `make fuzz`. Environment:
#   FUZZ_SECONDS  how long each target runs (60)
#   FUZZ_TARGETS  which targets, separated by spaces (all of fuzz/fuzz-*.c)
#   FUZZ_FLAGS    more libFuzzer options
#   FUZZ_BUILD    the folder for objects and binaries (fuzz/build)
#   FUZZ_CC       the compiler (clang)
#   FUZZ_CPPFLAGS include options for HDF5 and the rest (from configure)
#   FUZZ_LIBS     libraries (from configure)
#   FUZZ_CORE     the core's sources (libembcore_a_SOURCES)
#   FUZZ_BUILD_ONLY  set to 1 to build and not run
#   FUZZ_RUN_ONLY    set to 1 to run what was built before
# A target may have a dictionary, fuzz/<name>.dict, and LeakSanitizer
# suppressions, fuzz/<name>.lsan.supp.
# Each target resumes from fuzz/corpus/<name>/, writes crashes to
# fuzz/crashes/<name>/, appends a summary to fuzz/runs.log and leaves its
# corpus minimised.

set -e
srcdir=${top_srcdir:-.}
fuzz=$srcdir/fuzz
build=${FUZZ_BUILD:-fuzz/build}
cc=${FUZZ_CC:-clang}
seconds=${FUZZ_SECONDS:-60}
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
cflags="-g -O1 -fno-omit-frame-pointer $san -std=gnu11 -D_GNU_SOURCE"
cflags="$cflags -I$srcdir/src -I$fuzz ${FUZZ_CPPFLAGS:-}"
libs=${FUZZ_LIBS:-"-lhdf5 -lopenblas -lzip -lz -lpthread -lm"}

if [ -z "$FUZZ_CORE" ]; then
	FUZZ_CORE=$(sed -n '/^libembcore_a_SOURCES/,/^$/p' \
	    "$srcdir/Makefile.am" | tr ' \t\\' '\n\n\n' | grep '\.c$' |
	    sed 's,^,,')
fi
if [ -z "$FUZZ_TARGETS" ]; then
	FUZZ_TARGETS=$(cd "$fuzz" && ls fuzz-*.c | sed -e 's/^fuzz-//' \
	    -e 's/\.c$//' | grep -v '^file$')
fi

# Sources a target needs beyond the core and its own file.
extra() {
	case $1 in
	cmd)	echo src/cmd.c src/cmd-store.c src/cmd-query.c src/repl.c ;;
	esac
}

# Compiles one C file into the build folder unless it is up to date.
compile() {
	o=$build/obj/$(echo "$1" | tr / _ | sed 's/\.c$/.o/')
	if [ ! -f "$o" ] || [ "$srcdir/$1" -nt "$o" ] ||
	    [ -n "$(find "$srcdir/src" "$fuzz" -name '*.h' -newer "$o")" ]
	then
		$cc $cflags -fsanitize=fuzzer-no-link -c "$srcdir/$1" -o "$o"
	fi
	echo "$o"
}

mkdir -p "$build/obj"
[ "${FUZZ_RUN_ONLY:-0}" = 1 ] && FUZZ_CORE= && FUZZ_TARGETS_BUILD= ||
    FUZZ_TARGETS_BUILD=$FUZZ_TARGETS
core=
for f in $FUZZ_CORE; do
	case $f in *.c) ;; *) continue ;; esac
	core="$core $(compile "$f")"
done
[ -n "$FUZZ_TARGETS_BUILD" ] && helper=$(compile fuzz/fuzz-file.c)
for t in $FUZZ_TARGETS_BUILD; do
	objs="$(compile "fuzz/fuzz-$t.c") $helper $core"
	for f in $(extra "$t"); do
		objs="$objs $(compile "$f")"
	done
	$cc $cflags -fsanitize=fuzzer $objs $libs -o "$build/fuzz-$t"
done
[ "${FUZZ_BUILD_ONLY:-0}" = 1 ] && exit 0

# The targets run in an empty folder of their own, with absolute paths,
# so that nothing a command writes lands in the source tree.
fuzz=$(cd "$fuzz" && pwd)
build=$(cd "$build" && pwd)
mkdir -p "$build/scratch"
for t in $FUZZ_TARGETS; do
	corpus=$fuzz/corpus/$t
	crashes=$fuzz/crashes/$t
	log=$build/fuzz-$t.log
	mkdir -p "$corpus" "$crashes"
	dict=
	[ -f "$fuzz/$t.dict" ] && dict="-dict=$fuzz/$t.dict"
	supp=
	[ -f "$fuzz/$t.lsan.supp" ] && supp="suppressions=$fuzz/$t.lsan.supp"
	# HDF5 1.10.8 asks for up to a few GB for a damaged file (a string
	# whose declared length is a lie) and gives the memory back; the
	# store target gets the room for it.
	limit=-rss_limit_mb=2048
	[ "$t" = store ] && limit=-rss_limit_mb=6144
	start=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	rc=0
	(cd "$build/scratch" && LSAN_OPTIONS=$supp exec nice -n 10 \
	    "$build/fuzz-$t" \
	    -max_total_time="$seconds" -timeout=10 $limit \
	    -print_final_stats=1 -close_fd_mask=2 \
	    -artifact_prefix="$crashes/" $dict ${FUZZ_FLAGS:-} \
	    "$corpus") >"$log" 2>&1 || rc=$?
	# A target that crashed left its named file (fuzz_named_file).
	for f in /dev/shm/embrepl-fuzz-*.h5 /tmp/embrepl-fuzz-*.h5; do
		pid=${f##*-}
		[ -f "$f" ] && ! kill -0 "${pid%.h5}" 2>/dev/null && rm -f "$f"
	done
	last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
	    tail -n 1)
	[ -z "$runs" ] && runs=$(echo "$last" | sed 's/^#\([0-9]*\).*/\1/')
	found=$(ls "$crashes" | wc -l)
	# Keep the corpus small: merge it into a fresh folder.
	rm -rf "$corpus.min"
	mkdir "$corpus.min"
	(cd "$build/scratch" && LSAN_OPTIONS=$supp exec nice -n 10 \
	    "$build/fuzz-$t" -merge=1 -timeout=10 $limit \
	    -artifact_prefix="$build/scratch/" $dict "$corpus.min" "$corpus") \
	    >"$build/fuzz-$t.merge.log" 2>&1 &&
	    rm -rf "$corpus" && mv "$corpus.min" "$corpus"
	rm -rf "$corpus.min"
	printf '%s %s seconds=%s exit=%s execs=%s corpus=%s crashes=%s %s\n' \
	    "$start" "$t" "$seconds" "$rc" "${runs:-?}" \
	    "$(ls "$corpus" | wc -l)" "$found" "$last" >>"$fuzz/runs.log"
	echo "fuzz-$t: exit $rc, $(ls "$corpus" | wc -l) inputs; $last"
done
