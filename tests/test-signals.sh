#!/bin/sh
# Signals and terminals: Ctrl-C, SIGTERM, SIGPIPE and resizes at a
# pseudo-terminal and in tmux; see tests/test-signals.py.
exec sh "${top_srcdir:-.}/tests/run-python.sh" test-signals.py
