#!/bin/sh
# Checks the Keras, word vector, projector and .npy importers; see
# tests/test-import-text.py.
exec sh "${top_srcdir:-.}/tests/run-python.sh" test-import-text.py
