#!/bin/sh
# Checks the torch importer against torch and the corpus; see test-torch.py.
# Needs a python3 with numpy and torch: $PYTHON3, else /usr/bin/python3.

script="${top_srcdir:-.}/tests/test-torch.py"
PYTHONDONTWRITEBYTECODE=1
export PYTHONDONTWRITEBYTECODE
for python in "${PYTHON3:-python3}" /usr/bin/python3; do
	if "$python" -c 'import numpy, torch' >/dev/null 2>&1; then
		exec "$python" -W ignore "$script"
	fi
done
echo '1..0 # SKIP python3 with numpy and torch not found'
