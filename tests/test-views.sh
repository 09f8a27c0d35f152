#!/bin/sh
#
# test-views.sh: drives the full-screen views of embrepl in a detached
# tmux of 80 x 24 and checks what the screen shows against numpy and
# h5py: labels, search, neighbours, walking, resize, Ctrl-C, the PCA map,
# the ASCII and colourless fallbacks, and the terminal after quitting.
# Prints TAP.

top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
EMBREPL=${EMBREPL:-$top_builddir/src/embrepl}
PYTHON3=${PYTHON3:-python3}
STORE=$top_srcdir/examples/movielens.h5

if ! command -v tmux >/dev/null 2>&1; then
	echo "1..0 # SKIP tmux is not installed"
	exit 0
fi
if [ ! -x "$EMBREPL" ]; then
	echo "1..0 # SKIP $EMBREPL is not built"
	exit 0
fi
if [ ! -f "$STORE" ]; then
	echo "1..0 # SKIP $STORE is missing"
	exit 0
fi
if ! "$PYTHON3" -c 'import h5py, numpy' >/dev/null 2>&1; then
	echo "1..0 # SKIP python3 with h5py and numpy is needed"
	exit 0
fi

case $STORE in
/*) ;;
*) STORE=$(pwd)/$STORE ;;
esac
case $EMBREPL in
/*) ;;
*) EMBREPL=$(pwd)/$EMBREPL ;;
esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/test-views.XXXXXX") || exit 1
sock=embrepl-views-$$
TMUX_CMD="tmux -L $sock -f /dev/null"
# KEEP=1 keeps the screens and oracles for a look after a failure.
trap '$TMUX_CMD kill-server >/dev/null 2>&1; [ -n "$KEEP" ] ||
    rm -rf "$tmp"' EXIT
unset TMUX
LC_ALL=C
export LC_ALL

n=0
failed=0

ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
		if [ -f "$tmp/screen" ]; then
			sed 's/^/#   | /' "$tmp/screen"
		fi
	fi
}

# The independent oracles: numpy's cosine top 5 of Star Wars, its row,
# its PCA coordinates, and some labels.
"$PYTHON3" - "$STORE" >"$tmp/oracle" <<'EOF' || exit 1
import sys
import h5py
import numpy as np

g = h5py.File(sys.argv[1], "r")["models/movielens/embeddings/items"]
m = g["matrix"][:].astype(np.float64)
labels = [s.decode() if isinstance(s, bytes) else s for s in g["labels"][:]]
row = labels.index("Star Wars (1977)")
norms = np.linalg.norm(m, axis=1)
ok = norms > 0
cos = np.full(len(m), -np.inf)
cos[ok] = m[ok] @ m[row] / (norms[ok] * norms[row])
cos[row] = -np.inf
top = sorted(range(len(m)), key=lambda i: (-cos[i], i))[:5]
x = m[1:]
w, v = np.linalg.eigh(np.cov(x.T))
v = v[:, np.argsort(w)[::-1][:2]]
for j in range(2):
    if v[np.argmax(np.abs(v[:, j])), j] < 0:
        v[:, j] = -v[:, j]
p = (m[row] - x.mean(axis=0)) @ v
print("row\t%d" % row)
print("label1\t%s" % labels[1])
print("label3\t%s" % labels[3])
print("pca\t%.3g, %.3g" % (p[0], p[1]))
for i in top:
    print("hit\t%d\t%s\t%.4f" % (i, labels[i], cos[i]))
EOF
oracle() {
	awk -F '\t' -v k="$1" '$1 == k { print $2; exit }' "$tmp/oracle"
}
SW_ROW=$(oracle row)
LABEL1=$(oracle label1)
LABEL3=$(oracle label3)
PCA_AT=$(oracle pca)

# Captures the pane into $tmp/screen (with -e: attributes too).
capture() {
	$TMUX_CMD capture-pane -p $1 -t v >"$tmp/screen" 2>/dev/null
}

# Waits until the screen holds a fixed string; fails after ten seconds.
wait_for() {
	tries=0
	while [ $tries -lt 100 ]; do
		capture
		if grep -F -q -- "$1" "$tmp/screen"; then
			return 0
		fi
		sleep 0.1
		tries=$((tries + 1))
	done
	return 1
}

keys() {
	$TMUX_CMD send-keys -t v "$@"
}

# Types quit and waits up to ten seconds for embrepl to end: keys typed
# while its readline holds the terminal raw would reach the shell with a
# bare carriage return, and never run.
quit_embrepl() {
	pane=$($TMUX_CMD display-message -p -t v '#{pane_pid}')
	keys 'quit' Enter
	tries=0
	while [ $tries -lt 100 ]; do
		running=0
		for stat in /proc/[0-9]*/stat; do
			read -r line 2>/dev/null <"$stat" || continue
			case $line in
			*"(embrepl) "[!Z]" $pane "*) running=1 ;;
			esac
		done
		[ $running -eq 0 ] && return 0
		sleep 0.1
		tries=$((tries + 1))
	done
	return 1
}

mkdir -p "$tmp/home"
$TMUX_CMD new-session -d -x 80 -y 24 -s v -c "$tmp" \
    "env HOME=$tmp/home XDG_CONFIG_HOME=$tmp/home/.config \
    XDG_STATE_HOME=$tmp/home/.state LANG=C.UTF-8 LC_ALL=C.UTF-8 \
    PS1='sh\$ ' sh" || {
	echo "1..0 # SKIP tmux cannot start a session here"
	exit 0
}
wait_for 'sh$'

keys "$EMBREPL $STORE" Enter
keys "view items" Enter
wait_for "items: 1636 rows x 50 dimensions"
ok $? "view items opens the browser"
grep -F -q -- "$LABEL1" "$tmp/screen" && grep -F -q -- "$LABEL3" "$tmp/screen"
ok $? "labels of rows 1 and 3 on screen ($LABEL1, $LABEL3)"
[ "$(wc -l <"$tmp/screen")" -eq 24 ] && tail -n 1 "$tmp/screen" |
    grep -q "^1/1636 .*q: quit"
ok $? "the browser fills 80 x 24, status on the last line"

keys / "^star wars" Enter
wait_for "$((SW_ROW + 1))/1636"
ok $? "search lands on row $SW_ROW"
grep -q "^ *$SW_ROW Star Wars (1977)" "$tmp/screen"
ok $? "the row is shown with its label"
capture -e
grep "Star Wars (1977)" "$tmp/screen" |
    grep -E -q "$(printf '\033')\[([0-9]*;)*7(;[0-9]*)*m"
ok $? "the cursor (reverse video) is on Star Wars"

keys Enter
wait_for "neighbours of Star Wars (1977)"
ok $? "Enter opens the neighbours"
capture
"$EMBREPL" "$STORE" -c 'similar items "Star Wars (1977)" 5' --format tsv \
    >"$tmp/similar" 2>&1
# Row, label cut to 24 columns, score to four places, as on the screen.
awk -F '\t' 'NR > 1 {
	l = substr($3, 1, 24)
	sub(/ +$/, "", l)
	printf "%d\t%s\t%.4f\n", $2, l, $4
}' "$tmp/similar" >"$tmp/want-similar"
awk -F '\t' '$1 == "hit" {
	l = substr($3, 1, 24)
	sub(/ +$/, "", l)
	printf "%d\t%s\t%s\n", $2, l, $4
}' "$tmp/oracle" >"$tmp/want-numpy"
awk 'NR >= 3 && NR <= 7 {
	score = $(NF - 1)
	if (score !~ /^-?[0-9.]+$/)
		score = $NF
	label = substr($0, 11, 24)
	sub(/ +$/, "", label)
	printf "%d\t%s\t%s\n", $2, label, score
}' "$tmp/screen" >"$tmp/got"
cmp -s "$tmp/got" "$tmp/want-similar"
ok $? "the first five neighbours equal what similar prints"
cmp -s "$tmp/got" "$tmp/want-numpy"
ok $? "and what numpy's cosine gives"
grep -q "Return of the Jedi (1983).*0\.8830 .*$(printf '\342\226\210')" \
    "$tmp/screen"
ok $? "scores drawn as bars"

keys Enter
wait_for "neighbours of $(sed -n 1p "$tmp/want-numpy" | cut -f2 | cut -c1-20)"
ok $? "Enter walks to the first neighbour"
keys b
wait_for "neighbours of Star Wars (1977)"
ok $? "b walks back"
keys m
wait_for "in items, dot, k 20"
ok $? "m switches the metric to dot"
keys m m
wait_for "in items, cosine, k 20"

keys "?"
wait_for "walk to the neighbour"
ok $? "? shows the keys"
keys x
$TMUX_CMD resize-window -t v -x 100 -y 30
sleep 0.2
wait_for "walked 0"
tries=0
while [ $tries -lt 50 ]; do
	capture
	[ "$(wc -l <"$tmp/screen")" -eq 30 ] &&
	    sed -n 30p "$tmp/screen" | grep -q "walked 0" && break
	sleep 0.1
	tries=$((tries + 1))
done
sed -n 30p "$tmp/screen" | grep -q "walked 0" &&
    ! grep -q "walk to the neighbour" "$tmp/screen"
ok $? "a resize to 100 x 30 redraws (status on line 30)"
$TMUX_CMD resize-window -t v -x 80 -y 24

keys q
wait_for "items: 1636 rows"
ok $? "q goes back to the browser"
keys q
keys 'similar items "Star Wars (1977)" 2' Enter
wait_for "Empire Strikes Back, The (1980)"
ok $? "q returns to a prompt that works"

keys "view items" Enter
wait_for "items: 1636 rows"
keys C-c
keys '"restored-" .. (40 + 2)' Enter
wait_for "restored-42"
ok $? "Ctrl-C leaves the view; the prompt still works"

keys "plot items" Enter
wait_for "items: PC1 ("
ok $? "plot items opens the map"
# Braille patterns are U+2800 to U+28FF: bytes e2 a0-a3 xx.
grep -q "$(printf '\342')[$(printf '\240\241\242\243')]" "$tmp/screen"
ok $? "points drawn in braille"
capture -e
grep -q "$(printf '\033')\[3[0-7]m\|$(printf '\033')\[[0-9;]*;3[0-7]m" \
    "$tmp/screen"
ok $? "the map has colours"
keys / "^star wars" Enter
wait_for "Star Wars (1977) (row $SW_ROW) at $PCA_AT"
ok $? "search selects Star Wars at numpy's PCA coordinates ($PCA_AT)"
sed -n '2,23p' "$tmp/screen" | grep -q "Star Wars (1977)"
ok $? "its label is drawn on the map"
keys Tab
tries=0
while [ $tries -lt 50 ]; do
	capture
	tail -n 1 "$tmp/screen" | grep -q "(row $SW_ROW)" || break
	sleep 0.1
	tries=$((tries + 1))
done
tail -n 1 "$tmp/screen" | grep -q "(row [0-9]*) at "
ok $? "Tab selects another point"
keys q
quit_embrepl
ok $? "quit ends embrepl"
keys 'echo quit-$((6 * 7))' Enter
wait_for "quit-42"

modes="clear; stty -a | tr ' ' '\n' | grep -x -e icanon -e echo -e icrnl"
keys "$modes | sort | tr '\n' ' '; echo" Enter
wait_for "echo icanon icrnl"
ok $? "terminal modes restored (icanon, echo, icrnl)"

keys "clear; LANG=C LC_ALL=C NO_COLOR=1 $EMBREPL $STORE" Enter
keys "plot items" Enter
wait_for "items: PC1 ("
capture -e
! grep -q "$(printf '\342')" "$tmp/screen" && grep -q "[.:#]" "$tmp/screen"
ok $? "ASCII map when the locale is not UTF-8"
! grep -q "$(printf '\033')\[3[0-7]m\|$(printf '\033')\[[0-9;]*;3[0-7]m" \
    "$tmp/screen"
ok $? "no colours with NO_COLOR"
keys q
keys "view items" Enter
wait_for "items: 1636 rows"
keys t
wait_for "heat map"
sed -n 4p "$tmp/screen" | cut -c42- | grep '[.:+#]' | grep -v -q '[0-9]'
ok $? "heat map as a shade ramp without colour"
keys q
quit_embrepl
keys 'echo quit-$((7 * 7))' Enter
wait_for "quit-49"

echo "1..$n"
[ $failed -eq 0 ]
