#!/bin/sh
# Checks examples/embrepl_export.py; see tests/test-exporter.py.
exec sh "${top_srcdir:-.}/tests/run-python.sh" test-exporter.py
