#!/bin/sh
# Hostile and broken input: escape sequences in labels, NaN, empty and
# degenerate matrices, lying headers, full disks, killed writers; see
# tests/test-hostile.py.
exec sh "${top_srcdir:-.}/tests/run-python.sh" test-hostile.py
