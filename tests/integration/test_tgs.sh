#!/bin/sh
# test_tgs.sh - the TGS exchange end to end against our KDC alone: MIT
# kinit gets a TGT with PKINIT, then kvno gets service tickets from us and
# the service's keytab (made by an MIT kadmin.local, never started as a
# KDC) decrypts them; renewal with kinit -R; refusals.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/integration/mitkdc.sh"

require_cmd kinit klist kvno kdestroy kdb5_util kadmin.local slapd openssl
test_init

REALM=EXAMPLE.TEST
PKI=$TEST_TMP/pki
sh "$top_srcdir/tests/integration/pki.sh" "$PKI" "$REALM" >"$TEST_TMP/pki.log" 2>&1 ||
	{ fail "test PKI generation"; test_finish; }

LDAP_URI=$(sh "$top_srcdir/tests/integration/slapd.sh" start "$TEST_TMP/ldap" \
    "$top_srcdir/conf/sample.ldif" 2>"$TEST_TMP/slapd.err") ||
	{ fail "slapd start: $(cat "$TEST_TMP/slapd.err")"; test_finish; }
stop_slapd() { sh "$top_srcdir/tests/integration/slapd.sh" stop "$TEST_TMP/ldap" >/dev/null 2>&1; }
trap 'stop_slapd; test_cleanup' EXIT

# Keys: an MIT database only to make keytabs (krbtgt, host/svc, and the
# computer account ws1$ whose SPN HOST/ws1.example.test is in the
# directory but not in the keytab).
MIT=$TEST_TMP/mit
mitkdc_setup "$MIT" "$REALM" "$(free_port)" || { fail "MIT database"; test_finish; }
kadm() {
	KRB5_CONFIG=$MIT/krb5.conf KRB5_KDC_PROFILE=$MIT/kdc.conf \
	    kadmin.local -r "$REALM" -q "$1" >>"$MIT/setup.log" 2>&1
}
cp "$MIT/svc.keytab" "$TEST_TMP/services.keytab"
kadm 'addprinc -randkey ws1$' && kadm "ktadd -norandkey -k $TEST_TMP/services.keytab ws1\$" &&
kadm "ktadd -norandkey -k $TEST_TMP/ws1.keytab ws1\$" ||
	{ fail "service keytab"; test_finish; }

PORT=$(free_port)
CONF=$TEST_TMP/kdc.conf
cat >"$CONF" <<EOT
[kdcdefaults]
	kdc_listen = 127.0.0.1:$PORT
	kdc_tcp_listen = 127.0.0.1:$PORT
[logging]
	kdc = FILE:$TEST_TMP/kdc.log
	level = debug
[realms]
	$REALM = {
		max_life = 10h
		max_renewable_life = 7d
		krbtgt_keytab = FILE:$MIT/krbtgt.keytab
		service_keytab = FILE:$TEST_TMP/services.keytab
		pkinit_identity = FILE:$PKI/kdc.crt,$PKI/kdc.key
		pkinit_anchors = FILE:$PKI/root.crt
		pkinit_pool = FILE:$PKI/ca.crt
		ldap_uri = $LDAP_URI
		ldap_base_dn = dc=example,dc=test
		ldap_bind_dn = cn=admin,dc=example,dc=test
		ldap_bind_password_file = $TEST_TMP/ldap/rootpw
	}
EOT
kdc_start "$CONF"
wait_udp 127.0.0.1 "$PORT" || { fail "pkinit-kdc did not start: $(cat "$TEST_TMP/kdc.stderr")"; test_finish; }

cat >"$TEST_TMP/krb5.conf" <<EOT
[libdefaults]
	default_realm = $REALM
	dns_lookup_kdc = false
	dns_canonicalize_hostname = false
	rdns = false
[realms]
	$REALM = {
		kdc = 127.0.0.1:$PORT
		pkinit_anchors = FILE:$PKI/root.crt
		pkinit_pool = FILE:$PKI/ca.crt
	}
EOT
export KRB5_CONFIG="$TEST_TMP/krb5.conf"
export KRB5CCNAME="FILE:$TEST_TMP/ccache"
ID="X509_user_identity=FILE:$PKI/alice.crt,$PKI/alice.key"

# kin ARGS...: a fresh kinit; output in $OUT, status in $RC.
kin() {
	kdestroy >/dev/null 2>&1
	OUT=$(timeout 30 kinit "$@" </dev/null 2>&1)
	RC=$?
}
last_tgs() {
	grep ' req=' "$TEST_TMP/kdc.log" | grep 'TGS-REQ' | tail -n 1
}
# expires PRINCIPAL: the "Expires" column of klist for that ticket.
expires() {
	klist 2>/dev/null | awk -v p="$1" '$5 == p { print $3, $4 }'
}

# --- a service ticket from our KDC, decrypted by the service keytab ---
kin -f -X "$ID" alice@$REALM
[ $RC -eq 0 ] && pass "kinit -X alice (forwardable TGT)" || fail "kinit: $OUT"
OUT=$(kvno host/svc.example.test@$REALM 2>&1)
expect_match "kvno host/svc.example.test against our KDC" "$OUT" \
    'host/svc.example.test@EXAMPLE.TEST: kvno = 1'
expect_match "TGS logged with client, server and keys" "$(last_tgs)" \
    'client=alice@EXAMPLE.TEST server=host/svc.example.test@EXAMPLE.TEST .*result=ISSUED code=0 reason="service ticket; ticket aes256-cts-hmac-sha1-96 kvno 1'
OUT=$(kvno -k "$MIT/svc.keytab" host/svc.example.test@$REALM 2>&1)
expect_match "service keytab decrypts our service ticket" "$OUT" 'keytab entry valid'
KL=$(klist -f 2>&1)
SVC_FLAGS=$(echo "$KL" | grep -A2 'host/svc.example.test' | grep 'Flags:')
expect_match "service ticket forwardable like its TGT" "$SVC_FLAGS" 'Flags: F[^ ]*A'
expect_no_match "service ticket is not INITIAL" "$SVC_FLAGS" 'Flags: [^ ]*I'
TGT_END=$(expires "krbtgt/$REALM@$REALM")
SVC_END=$(expires "host/svc.example.test@$REALM")
[ -n "$TGT_END" ] && [ "$TGT_END" = "$SVC_END" ] &&
	pass "service ticket ends with the TGT ($SVC_END)" ||
	fail "service ticket end '$SVC_END' vs TGT end '$TGT_END'"

# A short TGT bounds the service ticket even when the realm allows more.
kin -l 20m -X "$ID" alice@$REALM
kvno host/svc.example.test@$REALM >/dev/null 2>&1
TGT_END=$(expires "krbtgt/$REALM@$REALM")
SVC_END=$(expires "host/svc.example.test@$REALM")
[ -n "$TGT_END" ] && [ "$TGT_END" = "$SVC_END" ] &&
	pass "service ticket never outlives a 20-minute TGT" ||
	fail "service ticket end '$SVC_END' vs TGT end '$TGT_END'"
expect_no_match "not forwardable without a forwardable TGT" \
    "$(klist -f 2>&1 | grep -A2 'host/svc.example.test' | grep 'Flags:')" 'Flags: [^ ]*F'

# --- unknown service ---
OUT=$(kvno host/nowhere.example.test@$REALM 2>&1)
expect_match "unknown service refused" "$OUT" 'Server not found in Kerberos database'
expect_match "unknown service logged" "$(last_tgs)" \
    'server=host/nowhere.example.test@EXAMPLE.TEST .*code=7 reason="service: not in service_keytab, and no directory account'

# --- SPN held by a directory account, keys under its sAMAccountName ---
OUT=$(kvno HOST/ws1.example.test@$REALM 2>&1)
expect_match "kvno for an SPN of the directory account ws1" "$OUT" \
    'HOST/ws1.example.test@EXAMPLE.TEST: kvno = 1'
expect_match "SPN mapped to ws1\$ keys" "$(last_tgs)" \
    'account="cn=ws1,ou=Computers,dc=example,dc=test".*result=ISSUED .*with the keys of ws1\$@EXAMPLE.TEST'

# --- TGS for a new TGT ---
OUT=$(kvno krbtgt/$REALM@$REALM 2>&1)
expect_match "kvno krbtgt/$REALM (TGT through the TGS)" "$OUT" 'kvno = '

# --- renewal ---
kin -r 2d -X "$ID" alice@$REALM
[ $RC -eq 0 ] && pass "kinit -r 2d" || fail "kinit -r: $OUT"
expect_match "renewable TGT" "$(klist -f 2>&1 | grep -A2 "krbtgt/$REALM@$REALM" | grep 'Flags:')" 'Flags: [^ ]*R'
BEFORE=$(expires "krbtgt/$REALM@$REALM")
sleep 1
OUT=$(kinit -R 2>&1)
RC=$?
[ $RC -eq 0 ] && pass "kinit -R renews a renewable TGT" || fail "kinit -R: $OUT"
expect_match "renewal logged" "$(last_tgs)" 'result=ISSUED code=0 reason="TGT renewed'
AFTER=$(expires "krbtgt/$REALM@$REALM")
[ -n "$AFTER" ] && [ "$AFTER" != "$BEFORE" ] && pass "renewed TGT ends later ($AFTER)" ||
	fail "renewed TGT end '$AFTER' (was '$BEFORE')"
OUT=$(kvno host/svc.example.test@$REALM 2>&1)
expect_match "renewed TGT gets service tickets" "$OUT" 'kvno = 1'

# kinit asks RENEWABLE-OK, so a TGT whose lifetime is not capped by the
# realm comes back without RENEWABLE.
kin -l 1h -X "$ID" alice@$REALM
expect_no_match "TGT of kinit -l 1h is not renewable" \
    "$(klist -f 2>&1 | grep -A2 "krbtgt/$REALM@$REALM" | grep 'Flags:')" 'Flags: [^ ]*R'
OUT=$(kinit -R 2>&1)
RC=$?
[ $RC -ne 0 ] && pass "kinit -R refused for a TGT that is not renewable" ||
	fail "kinit -R of a non-renewable TGT succeeded"
expect_match "refusal is BADOPTION" "$(last_tgs)" 'code=13 reason="RENEW asked with a ticket that is not renewable"'

# --- over TCP too ---
sed -i 's/rdns = false/rdns = false\n\tudp_preference_limit = 1/' "$TEST_TMP/krb5.conf"
kin -X "$ID" alice@$REALM
OUT=$(kvno host/svc.example.test@$REALM 2>&1)
expect_match "kvno over TCP" "$OUT" 'kvno = 1'
expect_match "TGS-REQ over TCP logged" "$(last_tgs)" 'proto=tcp .*result=ISSUED'

# --- replay and tampering, with requests captured by a UDP relay ---
cat >"$TEST_TMP/relay.py" <<'EOT'
import socket, sys
# relay.py LISTEN_PORT KDC_PORT DIR: forward datagrams, keep each request.
lp, kp, d = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", lp))
open("%s/ready" % d, "w").write("ready\n")
n = 0
while True:
    msg, peer = s.recvfrom(65535)
    n += 1
    open("%s/req.%d" % (d, n), "wb").write(msg)
    k = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    k.settimeout(5)
    k.sendto(msg, ("127.0.0.1", kp))
    try:
        s.sendto(k.recvfrom(65535)[0], peer)
    except socket.timeout:
        pass
    k.close()
EOT
cat >"$TEST_TMP/send.py" <<'EOT'
import socket, sys
# send.py PORT FILE [tamper]: send one request, print the KRB-ERROR code.
msg = bytearray(open(sys.argv[2], "rb").read())
if len(sys.argv) > 3:
    # Change the last digit of the seconds of till ([5] KerberosTime).
    i = msg.find(b"\xa5\x11\x18\x0f")
    msg[i + 4 + 13] = ord("0") + (msg[i + 4 + 13] - ord("0") + 1) % 10
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.sendto(bytes(msg), ("127.0.0.1", int(sys.argv[1])))
rep = s.recvfrom(65535)[0]
# error-code [6] Int32 inside KRB-ERROR: find a6 03 02 01 xx.
j = rep.find(b"\xa6\x03\x02\x01")
print("msg-type=%d code=%s" % (rep[0] & 0x1f, rep[j + 4] if j >= 0 else "-"))
EOT
sed -i 's/^\tudp_preference_limit = 1$//' "$TEST_TMP/krb5.conf"
RELAY_PORT=$(free_port)
mkdir -p "$TEST_TMP/cap"
python3 "$TEST_TMP/relay.py" "$RELAY_PORT" "$PORT" "$TEST_TMP/cap" &
track_pid $!
wait_file_match "$TEST_TMP/cap/ready" ready 10 || fail "relay did not start"
kin -X "$ID" alice@$REALM
sed "s/kdc = 127.0.0.1:$PORT/kdc = 127.0.0.1:$RELAY_PORT/" "$TEST_TMP/krb5.conf" >"$TEST_TMP/krb5-relay.conf"
OUT=$(KRB5_CONFIG=$TEST_TMP/krb5-relay.conf kvno host/svc.example.test@$REALM 2>&1)
expect_match "kvno through the capturing relay" "$OUT" 'kvno = 1'
REQ=$(ls -t "$TEST_TMP"/cap/req.* 2>/dev/null | head -n 1)
if [ -n "$REQ" ]; then
	OUT=$(python3 "$TEST_TMP/send.py" "$PORT" "$REQ" tamper 2>&1)
	expect_match "request body changed after signing: BAD_INTEGRITY" "$OUT" 'msg-type=30 code=31'
	expect_match "checksum failure logged" "$(last_tgs)" \
	    'client=alice@EXAMPLE.TEST server=host/svc.example.test@EXAMPLE.TEST .*code=31 reason="authenticator: checksum over the request body'
	OUT=$(python3 "$TEST_TMP/send.py" "$PORT" "$REQ" 2>&1)
	expect_match "replayed TGS-REQ refused with KRB_AP_ERR_REPEAT" "$OUT" 'msg-type=30 code=34'
	expect_match "replay logged" "$(last_tgs)" 'code=34 reason="authenticator: authenticator already used'
else
	fail "no TGS-REQ captured"
fi

# --- krbtgt key rollover: TGTs under any kvno we hold are accepted ---
kin -X "$ID" alice@$REALM
cp "$TEST_TMP/ccache" "$TEST_TMP/tgt-kvno1.cc"
# with_old_tgt SERVICE: kvno with a fresh copy of the kvno-1 TGT.
with_old_tgt() {
	cp "$TEST_TMP/tgt-kvno1.cc" "$TEST_TMP/old.cc"
	KRB5CCNAME=FILE:$TEST_TMP/old.cc kvno "$1" 2>&1
}
reload_krbtgt() {
	sed -i "s|krbtgt_keytab = .*|krbtgt_keytab = FILE:$1|" "$CONF"
	N=$(grep -c reloaded "$TEST_TMP/kdc.log")
	kill -HUP "$KDC_PID"
	i=0
	while [ "$(grep -c reloaded "$TEST_TMP/kdc.log")" -le "$N" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}
kadm "cpw -randkey -keepold krbtgt/$REALM" &&
kadm "ktadd -norandkey -k $TEST_TMP/krbtgt-12.keytab krbtgt/$REALM" ||
	fail "krbtgt kvno 2"
reload_krbtgt "$TEST_TMP/krbtgt-12.keytab"
OUT=$(with_old_tgt host/svc.example.test@$REALM)
expect_match "TGT of kvno 1 accepted after the rollover to kvno 2" "$OUT" 'kvno = 1'
expect_match "log names the TGT's kvno" "$(last_tgs)" 'result=ISSUED .*TGT kvno 1[";]'
kin -X "$ID" alice@$REALM
OUT=$(kvno host/svc.example.test@$REALM 2>&1)
expect_match "new TGT (kvno 2) works too" "$(last_tgs)" 'result=ISSUED .*TGT kvno 2[";]'
kadm "cpw -randkey krbtgt/$REALM" &&
kadm "ktadd -norandkey -k $TEST_TMP/krbtgt-3.keytab krbtgt/$REALM" ||
	fail "krbtgt kvno 3"
reload_krbtgt "$TEST_TMP/krbtgt-3.keytab"
OUT=$(with_old_tgt host/svc.example.test@$REALM)
expect_no_match "TGT of a kvno no longer held is refused" "$OUT" 'kvno = 1'
# Who sent it is inside the ticket we cannot open: the log has no client.
expect_match "refusal is KRB_AP_ERR_BADKEYVER" "$(last_tgs)" \
    'type=TGS-REQ server=host/svc.example.test@EXAMPLE.TEST .*code=44 reason="TGT: krbtgt kvno 1 is not in krbtgt_keytab"'

# --- a TGT bound to addresses (kinit -a) is good only from them ---
kin -a -X "$ID" alice@$REALM
ADDRS=$(klist -a 2>&1 | sed -n 's/.*Addresses: //p' | head -n 1)
case $ADDRS in
""|"(none)")
	echo "# kinit -a gave an address-less TGT here; address check not shown" ;;
*127.0.0.1*)
	OUT=$(kvno host/svc.example.test@$REALM 2>&1)
	expect_match "TGT bound to 127.0.0.1 used from it" "$OUT" 'kvno = 1' ;;
*)
	OUT=$(kvno host/svc.example.test@$REALM 2>&1)
	expect_no_match "TGT bound to $ADDRS refused from 127.0.0.1" "$OUT" 'kvno = 1'
	expect_match "refusal is KRB_AP_ERR_BADADDR" "$(last_tgs)" 'code=38 reason="TGT is bound to' ;;
esac

# --- clock skew: the captured request, once older than clockskew ---
if [ -n "$REQ" ]; then
	sed -i "s|max_life = 10h|max_life = 10h\n\t\tclockskew = 2|" "$CONF"
	reload_krbtgt "$MIT/krbtgt.keytab"
	sleep 3
	OUT=$(python3 "$TEST_TMP/send.py" "$PORT" "$REQ" 2>&1)
	expect_match "authenticator older than clockskew: KRB_AP_ERR_SKEW" "$OUT" 'msg-type=30 code=37'
	expect_match "skew logged" "$(last_tgs)" \
	    'client=alice@EXAMPLE.TEST server=host/svc.example.test@EXAMPLE.TEST .*code=37 reason="authenticator: clock skew'
fi

test_finish
