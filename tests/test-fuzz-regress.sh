#!/bin/sh
# Replays every input that once crashed a fuzz target (tests/fuzz-regress)
# through the same target code, built without libFuzzer. Prints TAP.
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
exec "$top_builddir/tests/fuzz-replay" "$top_srcdir/tests/fuzz-regress"
