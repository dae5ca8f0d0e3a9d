#!/bin/sh
# test_net.sh - the daemon on the wire: UDP and TCP listeners, framing
# abuse, configuration check, reload, stop, pid file and sd_notify.
. "$(dirname "$0")/lib.sh"

test_init

PORT=$(free_port) || skip_all "no free port"
CONF="$TEST_TMP/kdc.conf"
PIDF="$TEST_TMP/kdc.pid"
NOTIFY="$TEST_TMP/notify.sock"
write_conf "$CONF" "$PORT" "kdc_tcp_idle_timeout = 3"

# ---- -t: configuration check ------------------------------------------
out=$("$KDC_BIN" -t -c "$CONF" 2>&1)
rc=$?
[ $rc -eq 0 ] && pass "-t accepts a good config" || fail "-t on a good config exited $rc: $out"
expect_match "-t says config OK with the path" "$out" "^config OK: $CONF\$"

BAD="$TEST_TMP/bad.conf"
sed 's/kdc_tcp_listen/kdc_tcp_lisen/' "$CONF" >"$BAD"
out=$("$KDC_BIN" -t -c "$BAD" 2>&1)
rc=$?
[ $rc -ne 0 ] && pass "-t rejects a typo (exit $rc)" || fail "-t accepted a typo"
expect_match "-t names file and line of the typo" "$out" "^$BAD:3: "

out=$("$KDC_BIN" -x 2>&1)
[ $? -eq 2 ] && pass "unknown option exits 2" || fail "unknown option: $out"
expect_match "-V prints the version" "$("$KDC_BIN" -V)" "^pkinit-kdc [0-9]"

# ---- start -------------------------------------------------------------
python3 "$PROBE" notify "$NOTIFY" 60 >"$TEST_TMP/notify.log" &
track_pid $!
wait_file_match "$TEST_TMP/notify.log" listening 5
NOTIFY_SOCKET="$NOTIFY" kdc_start "$CONF" -P "$PIDF"
if wait_udp 127.0.0.1 "$PORT"; then
	pass "daemon answers on 127.0.0.1:$PORT"
else
	fail "daemon did not come up"
	cat "$TEST_TMP/kdc.stderr" "$TEST_TMP/kdc.log" 2>/dev/null
	test_finish
fi
[ -f "$PIDF" ] && [ "$(cat "$PIDF")" = "$KDC_PID" ] && pass "pid file holds the daemon's pid" ||
	fail "pid file missing or wrong: $(cat "$PIDF" 2>/dev/null)"

# ---- UDP -----------------------------------------------------------------
# The probe's AS-REQ carries no PKINIT padata: KDC_ERR_PREAUTH_REQUIRED.
KRBERR='^reply msg-type=30 error-code=25 realm=EXAMPLE.TEST e-text=.Additional pre-authentication required'
expect_match "UDP/IPv4 AS-REQ gets a KRB-ERROR from the address asked" \
	"$(probe udp 127.0.0.1 "$PORT")" "$KRBERR.* from-ok\$"
expect_match "UDP/IPv6 AS-REQ gets a KRB-ERROR from the address asked" \
	"$(probe udp ::1 "$PORT")" "$KRBERR.* from-ok\$"
# The probe's TGS-REQ has no PA-TGS-REQ: the TGS handler refuses it.
expect_match "UDP TGS-REQ gets a KRB-ERROR" \
	"$(probe udp 127.0.0.1 "$PORT" tgsreq)" "error-code=16 "
expect_match "UDP garbage is dropped" "$(probe udp 127.0.0.1 "$PORT" garbage)" "^timeout\$"
expect_match "UDP KRB-ERROR is not answered (no reflection)" \
	"$(probe udp ::1 "$PORT" error)" "^timeout\$"
expect_match "UDP still served after garbage" "$(probe udp 127.0.0.1 "$PORT")" "$KRBERR"

# The reply's outer tag is APPLICATION 30 (0x7e): check the raw octets
# with an independent DER parser when openssl is around.
if command -v openssl >/dev/null 2>&1; then
	probe udp 127.0.0.1 "$PORT" asreq "$TEST_TMP/reply.der" >/dev/null
	out=$(openssl asn1parse -inform DER -in "$TEST_TMP/reply.der" 2>&1)
	expect_match "openssl asn1parse: outer tag is APPLICATION 30" "$out" "^ +0:d=0 .*appl \\[ 30 \\]"
	expect_match "openssl asn1parse: error-code 25 (0x19)" "$out" "INTEGER +:19\$"
	expect_match "openssl asn1parse: realm [9] present" "$out" "cont \\[ 9 \\]"
	expect_match "openssl asn1parse: sname [10] present" "$out" "cont \\[ 10 \\]"
fi

# ---- TCP -----------------------------------------------------------------
expect_match "TCP/IPv4 framed AS-REQ gets a framed KRB-ERROR" \
	"$(probe tcp 127.0.0.1 "$PORT")" "$KRBERR"
expect_match "TCP/IPv6 framed AS-REQ gets a framed KRB-ERROR" \
	"$(probe tcp ::1 "$PORT")" "$KRBERR"
out=$(probe tcp 127.0.0.1 "$PORT" asreq 2)
[ "$(printf '%s\n' "$out" | grep -Ec "$KRBERR")" -eq 2 ] &&
	pass "two requests on one connection, both answered" ||
	fail "two requests on one connection: $out"

expect_match "truncated length prefix then close: connection closed" \
	"$(probe raw 127.0.0.1 "$PORT" 0000 half)" "^closed\$"
expect_match "served after a truncated prefix" "$(probe tcp 127.0.0.1 "$PORT")" "$KRBERR"

out=$(probe raw 127.0.0.1 "$PORT" 00400001)
expect_match "length above the limit: FIELD_TOOLONG" "$out" "error-code=61"
expect_match "length above the limit: then closed" "$out" "closed\$"
out=$(probe raw ::1 "$PORT" 8000000501)
expect_match "reserved high bit: FIELD_TOOLONG then close" "$out" "error-code=61.*e-text='reserved"
expect_match "reserved high bit: connection closed" "$out" "closed\$"
expect_match "served after oversize lengths" "$(probe tcp ::1 "$PORT")" "$KRBERR"

out=$(probe tcp 127.0.0.1 "$PORT" garbage)
expect_match "framed garbage over TCP: KRB_ERR_GENERIC" "$out" "error-code=60 .*not a Kerberos message"
out=$(probe raw 127.0.0.1 "$PORT" "$(printf 'GET / HTTP/1.0\r\n\r\n' | od -An -tx1 | tr -d ' \n')")
expect_match "unframed garbage (HTTP) over TCP: FIELD_TOOLONG and close" "$out" "error-code=61"
expect_match "TCP KRB-ERROR message gets KRB_AP_ERR_MSG_TYPE" \
	"$(probe tcp 127.0.0.1 "$PORT" error)" "error-code=40"
expect_match "served after garbage" "$(probe tcp 127.0.0.1 "$PORT")" "$KRBERR"

# ---- a real client: MIT kinit reads our KRB-ERROR over UDP and TCP ----------
if command -v kinit >/dev/null 2>&1; then
	for pref in 1465 1; do
		cat >"$TEST_TMP/krb5.conf" <<EOT
[libdefaults]
	default_realm = EXAMPLE.TEST
	dns_lookup_kdc = false
	dns_lookup_realm = false
	udp_preference_limit = $pref
[realms]
	EXAMPLE.TEST = {
		kdc = 127.0.0.1:$PORT
	}
EOT
		[ $pref -eq 1 ] && proto=TCP || proto=UDP
		out=$(KRB5_CONFIG="$TEST_TMP/krb5.conf" KRB5CCNAME="FILE:$TEST_TMP/cc" \
			KRB5_TRACE=/dev/stdout timeout 20 kinit alice@EXAMPLE.TEST </dev/null 2>&1)
		expect_match "MIT kinit over $proto: request sent over $proto" "$out" "Sending (initial )?$proto request"
		expect_match "MIT kinit over $proto: decodes our KRB-ERROR" "$out" "Received error from KDC: -1765328359/Additional pre-authentication required"
	done
else
	echo "# kinit not installed: MIT client check not run"
fi

out=$(probe hold 127.0.0.1 "$PORT" 8)
expect_match "idle TCP connection closed after kdc_tcp_idle_timeout" "$out" "closed"

# ---- logging ---------------------------------------------------------------
log=$(cat "$TEST_TMP/kdc.log")
expect_match "one request line per request with id, proto, address, type" \
	"$log" "req=[0-9]+ proto=udp from=127\.0\.0\.1:[0-9]+ type=AS-REQ client=[^ ]+ server=[^ ]+ result=KDC_ERR_PREAUTH_REQUIRED code=25 reason=.* ms=[0-9.]+"
expect_match "IPv6 clients are logged in brackets" "$log" "proto=tcp from=\[::1\]:[0-9]+"

# ---- reload ------------------------------------------------------------------
GOOD="$TEST_TMP/good.conf"
cp "$CONF" "$GOOD"
sed 's/^\[realms\]/[realms\n/' "$GOOD" >"$CONF"     # unbalanced section header
kill -HUP "$KDC_PID"
wait_file_match "$TEST_TMP/kdc.log" "reload failed" 5
expect_match "SIGHUP with a broken config logs reload failed with file:line" \
	"$(cat "$TEST_TMP/kdc.log")" "reload failed: $CONF:[0-9]+: "
expect_match "still serving after a failed reload" "$(probe udp 127.0.0.1 "$PORT")" "$KRBERR"
kill -0 "$KDC_PID" 2>/dev/null && pass "daemon alive after a failed reload" || fail "daemon died on a bad reload"

PORT2=$(free_port)
write_conf "$CONF" "$PORT2" "kdc_tcp_idle_timeout = 3"
kill -HUP "$KDC_PID"
i=0
while ! wait_udp 127.0.0.1 "$PORT2" && [ $i -lt 2 ]; do i=$((i + 1)); done
expect_match "SIGHUP with a new port: UDP answers on the new port" \
	"$(probe udp ::1 "$PORT2")" "$KRBERR"
expect_match "SIGHUP with a new port: TCP answers on the new port" \
	"$(probe tcp 127.0.0.1 "$PORT2")" "$KRBERR"
expect_match "old TCP port closed" "$(probe tcp 127.0.0.1 "$PORT")" "^error"
expect_match "old UDP port closed" "$(probe udp 127.0.0.1 "$PORT")" "^(timeout|error)"
PORT=$PORT2

# ---- stop --------------------------------------------------------------------
python3 "$PROBE" hold 127.0.0.1 "$PORT" 20 >"$TEST_TMP/hold.log" &
HOLD=$!
track_pid $HOLD
wait_file_match "$TEST_TMP/hold.log" open 5
start=$(date +%s)
kill -TERM "$KDC_PID"
if wait_exit "$KDC_PID" 3; then
	[ "$WAIT_RC" -eq 0 ] && pass "SIGTERM with an idle TCP client: exit 0 within $(($(date +%s) - start)) s" ||
		fail "SIGTERM: exit status $WAIT_RC"
else
	fail "SIGTERM: daemon still running after 3 s"
fi
wait $HOLD 2>/dev/null
expect_match "idle client saw its connection closed" "$(cat "$TEST_TMP/hold.log")" "closed"
[ ! -e "$PIDF" ] && pass "pid file removed at exit" || fail "pid file left behind"

wait_file_match "$TEST_TMP/notify.log" STOPPING 3
notes=$(cat "$TEST_TMP/notify.log")
expect_match "sd_notify READY=1" "$notes" "^READY=1"
expect_match "sd_notify RELOADING=1" "$notes" "^RELOADING=1 MONOTONIC_USEC=[0-9]+"
expect_match "sd_notify STOPPING=1" "$notes" "^STOPPING=1"

# ---- daemon mode, abstract notify socket, pid file exclusivity ------------------
write_conf "$CONF" "$PORT" "kdc_max_tcp_connections = 2"
ABS="@pkinit-kdc-test-$$"
python3 "$PROBE" notify "$ABS" 10 >"$TEST_TMP/notify2.log" &
track_pid $!
wait_file_match "$TEST_TMP/notify2.log" listening 5
NOTIFY_SOCKET="$ABS" "$KDC_BIN" -w 1 -c "$CONF" -P "$PIDF" 2>>"$TEST_TMP/kdc.stderr"
rc=$?
[ $rc -eq 0 ] && pass "daemon mode: parent exits 0 once serving" || fail "daemon mode: exit $rc"
DPID=$(cat "$PIDF" 2>/dev/null)
if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then
	pass "daemon mode: pid file names a running process"
	track_pid "$DPID"
else
	fail "daemon mode: no running daemon in pid file"
fi
expect_match "daemon mode: serving" "$(probe udp 127.0.0.1 "$PORT")" "$KRBERR"
wait_file_match "$TEST_TMP/notify2.log" READY 3
expect_match "daemon mode: READY=1 on an abstract socket" "$(cat "$TEST_TMP/notify2.log")" "^READY=1"
PORT3=$(free_port)
write_conf "$TEST_TMP/other.conf" "$PORT3"
out=$("$KDC_BIN" -n -c "$TEST_TMP/other.conf" -P "$PIDF" 2>&1)
rc=$?
[ $rc -eq 3 ] && pass "second daemon with a live pid file exits 3" || fail "second daemon: exit $rc"
expect_match "second daemon names the running pid" "$out" "already running as pid $DPID"

# Connection limit: with two idle connections open, a third evicts the
# least recently active one and is served.
python3 "$PROBE" hold 127.0.0.1 "$PORT" 10 >"$TEST_TMP/holdA.log" &
track_pid $!
wait_file_match "$TEST_TMP/holdA.log" open 5
sleep 0.1
python3 "$PROBE" hold ::1 "$PORT" 10 >"$TEST_TMP/holdB.log" &
track_pid $!
wait_file_match "$TEST_TMP/holdB.log" open 5
sleep 0.1
expect_match "connection limit: a new client is served" "$(probe tcp 127.0.0.1 "$PORT")" "$KRBERR"
wait_file_match "$TEST_TMP/holdA.log" closed 3
expect_match "connection limit: the oldest idle connection was closed" \
	"$(cat "$TEST_TMP/holdA.log")" "closed"
expect_no_match "connection limit: the newer idle connection stays" \
	"$(cat "$TEST_TMP/holdB.log")" "closed"

kill -TERM "$DPID"
wait_exit "$DPID" 5 && pass "daemon mode: stops on SIGTERM" || fail "daemon mode: did not stop"
[ ! -e "$PIDF" ] && pass "daemon mode: pid file removed" || fail "daemon mode: pid file left"

out=$("$KDC_BIN" -c "$BAD" 2>&1)
rc=$?
[ $rc -eq 1 ] && pass "daemon mode with a bad config exits 1" || fail "bad config in daemon mode: exit $rc"
expect_match "daemon mode reports the config error on stderr" "$out" "^$BAD:3: "

test_finish
