#!/bin/sh
# Drives the program piped, with -c and at a pseudo-terminal; see
# tests/test-repl.py.
exec sh "${top_srcdir:-.}/tests/run-python.sh" test-repl.py
