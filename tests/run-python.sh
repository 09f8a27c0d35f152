#!/bin/sh
# Runs the Python test script named by $1 (in tests/) with a python3 that
# has numpy and h5py: $PYTHON3 when it has them, else /usr/bin/python3.

script="${top_srcdir:-.}/tests/$1"
PYTHONDONTWRITEBYTECODE=1
export PYTHONDONTWRITEBYTECODE
for python in "${PYTHON3:-python3}" /usr/bin/python3; do
	if "$python" -c 'import numpy, h5py' >/dev/null 2>&1; then
		exec "$python" "$script"
	fi
done
echo '1..0 # SKIP python3 with numpy and h5py not found'
