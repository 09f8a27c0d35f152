#!/bin/sh
# Runs the C tests and a set of embrepl invocations under valgrind's
# memcheck: any memory error or definite or possible leak fails the run.
# Needs a build without --enable-sanitizers. Prints TAP.

VALGRIND=${VALGRIND:-valgrind}
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
EMBREPL=$top_builddir/src/embrepl
ML=$top_srcdir/examples/movielens.h5
ADULT=$top_srcdir/examples/adult.h5
PYTHON3=${PYTHON3:-/usr/bin/python3}
export top_srcdir top_builddir EMBREPL PYTHON3

if ! command -v "$VALGRIND" >/dev/null 2>&1; then
	echo "1..0 # SKIP valgrind not found: install the Debian package" \
	    "valgrind"
	exit 0
fi
if grep -q __asan_init "$EMBREPL" 2>/dev/null; then
	echo "1..0 # SKIP this is a sanitizer build: valgrind needs a plain one"
	exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/embrepl-valgrind.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
n=0
failed=0

# Runs "$@" under memcheck; the log of a failure is shown. FSIZE, when
# set, limits the size of files written (in blocks of 512 bytes). The
# child that probes a file before embrepl opens it (src/probe.c) is kept
# silent: it holds the parent's memory, which it never frees, and what it
# reads the parent reads again in-process, here under memcheck.
vg() {
	name=$1
	shift
	n=$((n + 1))
	(
		[ -z "$FSIZE" ] || ulimit -f "$FSIZE"
		exec "$VALGRIND" -q --error-exitcode=99 --leak-check=full \
		    --child-silent-after-fork=yes \
		    --errors-for-leak-kinds=definite,possible \
		    --show-leak-kinds=definite,possible \
		    --suppressions="$top_srcdir/tests/valgrind.supp" \
		    --log-file="$tmp/vg.log" "$@" >"$tmp/out" 2>"$tmp/err" \
		    </dev/null
	)
	rc=$?
	if [ "$rc" -eq 99 ] || [ -s "$tmp/vg.log" ]; then
		echo "not ok $n - $name"
		sed 's/^/#   /' "$tmp/vg.log"
		failed=$((failed + 1))
	else
		echo "ok $n - $name (exit $rc)"
	fi
}

for t in test-store test-knn test-pca test-oracle test-ui-plot test-pickle; do
	[ -x "$top_builddir/tests/$t" ] || continue
	vg "tests/$t" "$top_builddir/tests/$t"
done

E=$EMBREPL
vg "models" $E "$ML" -c models -c vars -c info
vg "labels with a pattern, json" $E "$ML" -f json -c 'labels items /^star/'
vg "show" $E "$ML" -c 'show items "Star Wars (1977)" #1'
vg "similar, three metrics" $E "$ML" -c 'similar items "Star Wars (1977)" 5' \
    -c 'similar items #3 5 --metric euclidean' \
    -c 'similar items #3 --metric dot'
vg "similar streamed" $E -M 64K "$ML" -c 'similar items #7 5'
vg "pca" $E "$ML" -c 'pca items 3 --top 4'
vg "pca streamed" $E -M 64K "$ML" -c 'pca items 2'
vg "bias" $E "$ML" -f csv -c 'bias items 5'
vg "unknown label" $E "$ML" -c 'show items "Star Warz"'
vg "tabular model" $E "$ADULT" -c vars -c 'similar education #3 3' \
    -c 'labels workclass'
vg "neighbours" $E "$ML" -c "neighbours items $tmp/nb.tsv --k 3"
vg "export csv" $E "$ML" -c "export items $tmp/items.csv"
vg "export npy" $E "$ML" -c "export items $tmp/items.npy"
vg "export projector" $E "$ML" \
    -c "export items $tmp/items.tsv --format projector"
vg "import npy" $E import "$tmp/items.npy" --labels "$tmp/items.labels.txt" \
    -o "$tmp/npy.h5"
vg "import projector" $E import "$tmp/items.tsv" --labels \
    "$tmp/items_meta.tsv" -o "$tmp/proj.h5"
vg "open the imported store" $E "$tmp/npy.h5" -c models \
    -c 'similar vectors #3 3'
vg "lua" $E "$ML" -e 'e = embrepl.model():var("items")' \
    -e 'print(e:row("Star Wars (1977)"))'
vg "plot as text" $E "$ML" -c 'plot items'
vg "view piped" $E "$ML" -c 'view items'
FSIZE=200 vg "import past a file size limit" $E import "$tmp/items.npy" \
    --labels "$tmp/items.labels.txt" -o "$tmp/npy.h5"
printf '3 2\ncaf\351 1 0\nx\033[2J\033]52;c;eA==\007 0 1\n\342\200\256y 1 1\n' \
    >"$tmp/w.txt"
vg "import hostile labels" $E import "$tmp/w.txt" -o "$tmp/w.h5"
vg "hostile labels, json and table" $E "$tmp/w.h5" -f json -c 'labels words' \
    -c 'format table' -c 'similar words #0 2' -c 'show words "x"'
vg "missing file" $E "$tmp/none.h5" -c models
vg "bad command" $E "$ML" -c 'frobnicate' -c 'similar nosuch x'

echo "1..$n"
[ "$failed" -eq 0 ]
