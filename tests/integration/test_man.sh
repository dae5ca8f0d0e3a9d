#!/bin/sh
# test_man.sh - every manual page renders without a single groff warning
# (groff -man -ww -z), and man -l formats it.
. "$(dirname "$0")/lib.sh"

require_cmd groff
n=0
for page in "$top_srcdir"/man/*.[1-8]; do
	[ -f "$page" ] || continue
	n=$((n + 1))
	name=$(basename "$page")
	out=$(groff -man -ww -z "$page" 2>&1)
	if [ $? -eq 0 ] && [ -z "$out" ]; then
		pass "$name: groff -man -ww reports nothing"
	else
		fail "$name: $out"
	fi
	if command -v man >/dev/null 2>&1; then
		out=$(MANWIDTH=80 MAN_KEEP_FORMATTING= man -l "$page" 2>&1 >/dev/null)
		if [ -z "$out" ]; then pass "$name: man -l renders it"; else fail "$name: man -l: $out"; fi
	fi
	# Every page names itself in .TH like its file name.
	title=$(sed -n 's/^\.TH \([^ ]*\) \([0-9]\).*/\1.\2/p' "$page" | tr 'A-Z' 'a-z')
	[ "$title" = "$(echo "$name" | tr 'A-Z' 'a-z')" ] && pass "$name: .TH matches the file name" ||
		fail "$name: .TH says $title"
done
[ $n -ge 2 ] && pass "$n manual pages checked" || fail "only $n manual pages found"
test_finish
