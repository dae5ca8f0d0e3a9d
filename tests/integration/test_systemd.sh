#!/bin/sh
# test_systemd.sh - the systemd unit: systemd-analyze verify accepts it,
# it has the settings pkinit-kdc(8) promises, and its exposure score.
. "$(dirname "$0")/lib.sh"

UNIT=$top_builddir/conf/pkinit-kdc.service
[ -f "$UNIT" ] || skip_all "$UNIT not built"
command -v systemd-analyze >/dev/null 2>&1 ||
	skip_all "systemd-analyze not installed: the unit was not verified"
test_init

# Verify against the binary just built (the unit names the installed one).
mkdir -p "$TEST_TMP/unit"
sed "s|^\(Exec[A-Za-z]*=\)[^ ]*/pkinit-kdc |\1$KDC_BIN |" "$UNIT" >"$TEST_TMP/unit/pkinit-kdc.service"
out=$(cd "$TEST_TMP/unit" && systemd-analyze verify --man=no pkinit-kdc.service 2>&1)
rc=$?
if [ $rc -eq 0 ] && [ -z "$out" ]; then
	pass "systemd-analyze verify: no complaint"
else
	fail "systemd-analyze verify (exit $rc): $out"
fi

U=$(cat "$UNIT")
for want in '^Type=notify$' '^ExecReload=/bin/kill -HUP \$MAINPID$' \
    '^ExecStart=/.*/pkinit-kdc -n -c /.*/pkinit-kdc/kdc.conf$' \
    '^User=pkinit-kdc$' '^AmbientCapabilities=CAP_NET_BIND_SERVICE$' \
    '^CapabilityBoundingSet=CAP_NET_BIND_SERVICE$' \
    '^ProtectSystem=strict$' '^ProtectHome=yes$' '^PrivateTmp=yes$' \
    '^NoNewPrivileges=yes$' '^RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX$' \
    '^SystemCallFilter=@system-service$' '^StateDirectory=pkinit-kdc$' \
    '^ConfigurationDirectory=pkinit-kdc$'; do
	expect_match "unit has $want" "$U" "$want"
done
expect_no_match "no unsubstituted @variables@" "$U" '@[a-z]+@'

out=$(cd "$TEST_TMP/unit" && systemd-analyze security --offline=yes pkinit-kdc.service 2>&1)
score=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for pkinit-kdc.service: \([0-9.]*\).*/\1/p')
if [ -n "$score" ]; then
	echo "# systemd-analyze security exposure: $score"
	if python3 -c "import sys; sys.exit(0 if float('$score') <= 2.0 else 1)"; then
		pass "exposure level $score (at most 2.0)"
	else
		fail "exposure level $score is above 2.0"
	fi
else
	echo "# systemd-analyze security --offline=yes unavailable: $(printf '%s' "$out" | head -c 200)"
fi
test_finish
