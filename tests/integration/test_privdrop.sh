#!/bin/sh
# test_privdrop.sh - -u: the daemon binds as root, then runs as nobody for
# good; reload and log rotation keep working as that user when the files
# allow it; and the key=value request line carries its event id.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || skip_all "needs root to switch users"
id nobody >/dev/null 2>&1 || skip_all "no user nobody"
test_init
chmod 755 "$TEST_TMP"
NOBODY_UID=$(id -u nobody)

PORT=$(free_port)
CONF=$TEST_TMP/kdc.conf
write_conf "$CONF" "$PORT"
chmod -R a+rX "$TEST_TMP"
# Log file owned by the user, so reopening after rotation works.
touch "$TEST_TMP/kdc.log"
chown nobody "$TEST_TMP/kdc.log"
mkdir "$TEST_TMP/run" && chown nobody "$TEST_TMP/run"

out=$("$KDC_BIN" -n -c "$CONF" -u root 2>&1)
rc=$?
[ $rc -eq 3 ] && pass "-u root is refused (exit 3)" || fail "-u root: exit $rc"
expect_match "-u root: says why" "$out" "is root; name an unprivileged user"
out=$("$KDC_BIN" -n -c "$CONF" -u no-such-user-here 2>&1)
rc=$?
[ $rc -eq 3 ] && pass "unknown user: exit 3" || fail "unknown user: exit $rc"
expect_match "unknown user named" "$out" "unknown user 'no-such-user-here'"

kdc_start "$CONF" -u nobody -P "$TEST_TMP/run/kdc.pid"
wait_udp 127.0.0.1 "$PORT" || { fail "daemon did not start: $(cat "$TEST_TMP/kdc.stderr")"; test_finish; }
pass "daemon serves after dropping privileges"
ST=$(cat /proc/"$KDC_PID"/status)
expect_match "real, effective, saved and fs uid are nobody" "$ST" \
    "^Uid:[[:space:]]+$NOBODY_UID[[:space:]]+$NOBODY_UID[[:space:]]+$NOBODY_UID[[:space:]]+$NOBODY_UID\$"
expect_no_match "no group 0 left" "$(printf '%s\n' "$ST" | grep -E '^(Gid|Groups):')" '[[:space:]]0([[:space:]]|$)'
expect_match "no effective capabilities" "$ST" '^CapEff:[[:space:]]+0+$'

# The request line (key=value) has its event id.
expect_match "request line carries event=4768" \
    "$(grep ' req=' "$TEST_TMP/kdc.log" | tail -n 1)" 'type=AS-REQ .*code=25 .*ms=[0-9.]+ event=4768$'

# Reload as nobody: the files are readable, so it works.
sed -i 's/level = debug/level = info/' "$CONF"
kill -HUP "$KDC_PID"
if wait_file_match "$TEST_TMP/kdc.log" 'reloaded' 5; then pass "reload works as nobody"; else
	fail "reload as nobody: $(grep -i reload "$TEST_TMP/kdc.log")"; fi

# Log rotation: move the file, SIGHUP, the next line goes to a new file.
mv "$TEST_TMP/kdc.log" "$TEST_TMP/kdc.log.1"
touch "$TEST_TMP/kdc.log" && chown nobody "$TEST_TMP/kdc.log"
kill -HUP "$KDC_PID"
sleep 0.5
probe udp 127.0.0.1 "$PORT" >/dev/null 2>&1
if wait_file_match "$TEST_TMP/kdc.log" ' req=' 5; then pass "log reopened after rotation"; else
	fail "nothing written to the new log file"; fi

# A key unreadable by nobody makes the next reload fail, not the daemon.
chmod 600 "$TEST_TMP/krbtgt.keytab"
kill -HUP "$KDC_PID"
if wait_file_match "$TEST_TMP/kdc.log" 'reload failed' 5; then pass "unreadable keytab: reload refused"; else
	fail "reload with an unreadable keytab: $(tail -n 3 "$TEST_TMP/kdc.log")"; fi
[ "$(probe udp 127.0.0.1 "$PORT" 2>/dev/null | cut -c1-5)" = reply ] &&
	pass "still serving with the old keys" || fail "not serving after the failed reload"

kill -TERM "$KDC_PID"
wait_exit "$KDC_PID" 10 && [ "$WAIT_RC" -eq 0 ] && pass "stops cleanly" || fail "stop: ${WAIT_RC:-timeout}"
[ ! -f "$TEST_TMP/run/kdc.pid" ] && pass "pid file in a directory of the user removed" ||
	fail "pid file left behind"
test_finish
