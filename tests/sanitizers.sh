#!/bin/sh
# Runs last in a sanitizer build: fails when any process of the other
# tests wrote an AddressSanitizer, LeakSanitizer or UBSan report into
# $SANITIZER_LOGS, and shows the reports. Python tests do not always look
# at the exit status of the programs they start; this catches those too.

dir=${SANITIZER_LOGS:-tests/sanitizer}
echo 1..1
set -- "$dir"/asan.* "$dir"/ubsan.*
n=0
for f; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	echo "# $f:"
	sed 's/^/#   /' "$f"
	rm -f "$f"
done
if [ "$n" -eq 0 ]; then
	echo "ok 1 - no sanitizer report from any test"
else
	echo "not ok 1 - $n sanitizer report(s), shown above"
fi
