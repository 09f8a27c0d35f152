#!/bin/sh
# Runs bench/run.py with a python3 that has numpy and h5py: $PYTHON3 when
# it has them, else /usr/bin/python3. Arguments go to run.py.

script="$(dirname "$0")/run.py"
for python in "${PYTHON3:-python3}" /usr/bin/python3; do
	if "$python" -c 'import numpy, h5py' >/dev/null 2>&1; then
		exec "$python" "$script" "$@"
	fi
done
echo 'bench: python3 with numpy and h5py not found' >&2
exit 1
