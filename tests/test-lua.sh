#!/bin/sh
# Checks the Lua API against numpy and h5py; see tests/test-lua.py.
exec sh "${top_srcdir:-.}/tests/run-python.sh" test-lua.py
