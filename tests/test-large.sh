#!/bin/sh
# A matrix over 4 GiB against h5py and numpy (slow; EMBREPL_SKIP_SLOW=1
# skips it); see tests/test-large.py.
exec sh "${top_srcdir:-.}/tests/run-python.sh" test-large.py
