#!/bin/sh
# Checks the example stores; see tests/test-examples.py.
exec sh "${top_srcdir:-.}/tests/run-python.sh" test-examples.py
