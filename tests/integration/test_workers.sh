#!/bin/sh
# test_workers.sh - pkinit-kdc -w N: a supervisor with worker processes
# sharing the listeners; reload and stop are relayed, a dead worker is
# replaced, start-up failures in a worker reach the exit status.
. "$(dirname "$0")/lib.sh"

test_init

PORT=$(free_port) || skip_all "no free port"
CONF="$TEST_TMP/kdc.conf"
PIDF="$TEST_TMP/kdc.pid"
KRBERR='^reply msg-type=30 error-code=25 realm=EXAMPLE.TEST'
write_conf "$CONF" "$PORT"

# workers_of PID: the pids of PID's children
workers_of() {
	ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' '
}

# wait_workers PID N: until PID has N children (5 s at most)
wait_workers() {
	i=0
	while [ "$(workers_of "$1" | wc -l)" -ne "$2" ]; do
		[ $i -ge 50 ] && return 1
		sleep 0.1
		i=$((i + 1))
	done
	return 0
}

out=$("$KDC_BIN" -n -w x -c "$CONF" 2>&1)
rc=$?
[ $rc -eq 2 ] && pass "-w with a non-number is a usage error" || fail "-w x: exit $rc"

"$KDC_BIN" -n -w 2 -c "$CONF" -P "$PIDF" 2>>"$TEST_TMP/kdc.stderr" &
KDC_PID=$!
track_pid "$KDC_PID"
wait_udp 127.0.0.1 "$PORT" || fail "did not start: $(cat "$TEST_TMP/kdc.stderr")"
wait_workers "$KDC_PID" 2 && pass "-w 2 runs two worker processes" ||
	fail "workers: $(workers_of "$KDC_PID" | tr '\n' ' ')"
[ "$(cat "$PIDF" 2>/dev/null)" = "$KDC_PID" ] &&
	pass "the pid file names the supervisor" || fail "pid file: $(cat "$PIDF" 2>/dev/null)"
expect_match "UDP served" "$(probe udp 127.0.0.1 "$PORT")" "$KRBERR"
expect_match "TCP served" "$(probe tcp 127.0.0.1 "$PORT")" "$KRBERR"
expect_match "IPv6 TCP served" "$(probe tcp ::1 "$PORT")" "$KRBERR"

# Both workers answer: many requests, count the distinct pids in the log.
i=0
while [ $i -lt 40 ]; do
	probe udp 127.0.0.1 "$PORT" >/dev/null 2>&1
	probe tcp 127.0.0.1 "$PORT" >/dev/null 2>&1
	i=$((i + 1))
done
n=$(grep 'type=AS-REQ' "$TEST_TMP/kdc.log" | sed -n 's/.*pkinit-kdc\[\([0-9]*\)\].*/\1/p' | sort -u | wc -l)
[ "$n" -eq 2 ] && pass "requests are shared by both workers" || fail "requests served by $n processes"

# SIGHUP is relayed: each worker reloads.
kill -HUP "$KDC_PID"
wait_file_match "$TEST_TMP/kdc.log" 'reload: asking 2 workers' 5 &&
	pass "supervisor relays SIGHUP" || fail "no relay logged"
i=0
while [ "$(grep -c 'reloaded ' "$TEST_TMP/kdc.log")" -lt 2 ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ "$(grep -c 'reloaded ' "$TEST_TMP/kdc.log")" -eq 2 ] &&
	pass "both workers reloaded" || fail "reloads: $(grep -c 'reloaded ' "$TEST_TMP/kdc.log")"

# A worker that dies is replaced.
victim=$(workers_of "$KDC_PID" | head -n 1)
kill -KILL "$victim"
wait_file_match "$TEST_TMP/kdc.log" "worker $victim killed by signal 9" 5 &&
	pass "supervisor logs the dead worker" || fail "no log of the dead worker"
wait_file_match "$TEST_TMP/kdc.log" 'worker [0-9]+ started' 5 &&
	pass "a replacement worker is started" || fail "no replacement"
wait_workers "$KDC_PID" 2 && pass "two workers again" || fail "workers after restart"
expect_match "served after the restart" "$(probe udp 127.0.0.1 "$PORT")" "$KRBERR"

# SIGTERM: everything stops, the pid file goes.
old=$(workers_of "$KDC_PID")
kill -TERM "$KDC_PID"
wait_exit "$KDC_PID" 10 && pass "SIGTERM stops the supervisor" || fail "supervisor did not stop"
[ "${WAIT_RC:-1}" -eq 0 ] && pass "exit status 0" || fail "exit status $WAIT_RC"
left=""
for p in $old; do
	kill -0 "$p" 2>/dev/null && left="$left $p"
done
[ -z "$left" ] && pass "no worker outlives the supervisor" || fail "left running:$left"
[ ! -e "$PIDF" ] && pass "pid file removed" || fail "pid file left"

# A key that cannot be loaded fails in the workers: exit 1, reason shown.
sed 's|kdc.key|missing.key|' "$CONF" >"$TEST_TMP/bad.conf"
out=$("$KDC_BIN" -n -w 2 -c "$TEST_TMP/bad.conf" 2>&1)
rc=$?
[ $rc -eq 1 ] && pass "worker start-up failure exits 1" || fail "bad key: exit $rc ($out)"
expect_match "the reason reaches stderr" "$out" "missing.key"

test_finish
