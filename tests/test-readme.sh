#!/bin/sh
# Runs the README's tour and compares its output; see tests/test-readme.py.
exec sh "${top_srcdir:-.}/tests/run-python.sh" test-readme.py
