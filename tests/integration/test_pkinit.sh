#!/bin/sh
# test_pkinit.sh - the PKINIT AS exchange end to end, with real peers:
# MIT kinit/klist/kvno as clients, a private slapd holding the accounts,
# and an MIT krb5kdc sharing the krbtgt key to prove our tickets are real.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/integration/mitkdc.sh"

require_cmd kinit klist kvno kdestroy krb5kdc kdb5_util kadmin.local slapd openssl
test_init

REALM=EXAMPLE.TEST
PKI=$TEST_TMP/pki
sh "$top_srcdir/tests/integration/pki.sh" "$PKI" "$REALM" >"$TEST_TMP/pki.log" 2>&1 ||
	{ fail "test PKI generation"; test_finish; }

# Directory.
LDAP_URI=$(sh "$top_srcdir/tests/integration/slapd.sh" start "$TEST_TMP/ldap" \
    "$top_srcdir/conf/sample.ldif" 2>"$TEST_TMP/slapd.err") ||
	{ fail "slapd start: $(cat "$TEST_TMP/slapd.err")"; test_finish; }
stop_slapd() { sh "$top_srcdir/tests/integration/slapd.sh" stop "$TEST_TMP/ldap" >/dev/null 2>&1; }

# MIT KDC with the same krbtgt key.
MIT_PORT=$(free_port)
mitkdc_setup "$TEST_TMP/mit" "$REALM" "$MIT_PORT" || { fail "MIT KDC database"; test_finish; }
mitkdc_start "$TEST_TMP/mit" || { fail "MIT krb5kdc start"; test_finish; }
trap 'mitkdc_stop "$TEST_TMP/mit"; stop_slapd; test_cleanup' EXIT

PORT=$(free_port)
CONF=$TEST_TMP/kdc.conf
write_realm_conf() {
	cat >"$CONF" <<EOT
[kdcdefaults]
	kdc_listen = 127.0.0.1:$PORT
	kdc_tcp_listen = 127.0.0.1:$PORT
	kdc_max_dgram_reply_size = 1400
[logging]
	kdc = FILE:$TEST_TMP/kdc.log
	level = debug
[realms]
	$REALM = {
		krbtgt_keytab = FILE:$TEST_TMP/mit/krbtgt.keytab
		pkinit_identity = FILE:$PKI/kdc.crt,$PKI/kdc.key
		pkinit_anchors = FILE:$PKI/root.crt
		pkinit_pool = FILE:$PKI/ca.crt
		ldap_uri = $LDAP_URI
		ldap_base_dn = dc=example,dc=test
		ldap_bind_dn = cn=admin,dc=example,dc=test
		ldap_bind_password_file = $TEST_TMP/ldap/rootpw
		$1
	}
EOT
}
write_realm_conf ""
kdc_start "$CONF"
wait_udp 127.0.0.1 "$PORT" || { fail "pkinit-kdc did not start: $(cat "$TEST_TMP/kdc.stderr")"; test_finish; }

# Client configuration: our KDC for kinit, the MIT KDC for kvno.
cat >"$TEST_TMP/krb5.conf" <<EOT
[libdefaults]
	default_realm = $REALM
	dns_lookup_kdc = false
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
MITCONF=$TEST_TMP/mit/krb5.conf

# kin ARGS...: kinit with stdin from $KIN_STDIN (default /dev/null);
# output in $OUT, status in $RC.
kin() {
	kdestroy >/dev/null 2>&1
	OUT=$(timeout 30 kinit "$@" <"${KIN_STDIN:-/dev/null}" 2>&1)
	RC=$?
}
last_log() {
	grep ' req=' "$TEST_TMP/kdc.log" | grep -v PREAUTH_REQUIRED | tail -n 1
}
id_file() {
	echo "X509_user_identity=FILE:$PKI/$1.crt,$PKI/$1.key"
}

# --- PREAUTH_REQUIRED lists PKINIT, as kinit's trace shows ---
KRB5_TRACE=$TEST_TMP/trace0 timeout 10 kinit alice </dev/null >/dev/null 2>&1
expect_match "PREAUTH_REQUIRED offers PA-PK-AS-REQ (16) and a freshness token" \
    "$(cat "$TEST_TMP/trace0")" 'Processing preauth types: .*PA-PK-AS-REQ \(16\).*PA_AS_FRESHNESS \(150\)'
expect_match "log line for the PREAUTH_REQUIRED reply" \
    "$(grep PREAUTH_REQUIRED "$TEST_TMP/kdc.log" | tail -n 1)" 'client=alice@EXAMPLE.TEST .*code=25'

# --- RSA certificate, DH key exchange ---
kin -X "$(id_file alice)" alice@$REALM
if [ $RC -eq 0 ]; then pass "kinit -X with an RSA certificate"; else fail "kinit RSA: $OUT"; fi
KL=$(klist -e 2>&1)
expect_match "klist shows krbtgt/$REALM@$REALM with an AES session key" "$KL" \
    "krbtgt/$REALM@$REALM"
expect_match "session key aes256-cts-hmac-sha1-96 (client order)" "$KL" \
    'Etype \(skey, tkt\): aes256-cts-hmac-sha1-96'
expect_match "issue logged with account, certificate and method" "$(last_log)" \
    'account="cn=alice,ou=Users,dc=example,dc=test" cert_subject="CN=alice,OU=Users,DC=example,DC=test".*result=ISSUED code=0 reason="PKINIT DH MODP-2048'

# --- our TGT is accepted by the MIT KDC sharing the krbtgt key ---
OUT=$(KRB5_CONFIG=$MITCONF kvno host/svc.example.test@$REALM 2>&1)
expect_match "kvno via MIT krb5kdc with our TGT" "$OUT" 'host/svc.example.test@EXAMPLE.TEST: kvno = 1'
OUT=$(KRB5_CONFIG=$MITCONF kvno -k "$TEST_TMP/mit/svc.keytab" host/svc.example.test@$REALM 2>&1)
expect_match "service ticket decrypts with the service keytab" "$OUT" 'keytab entry valid'

# --- client preferring aes256-sha384 gets it ---
cp "$TEST_TMP/krb5.conf" "$TEST_TMP/krb5-sha2.conf"
sed -i 's/rdns = false/rdns = false\n\tpermitted_enctypes = aes256-cts-hmac-sha384-192 aes256-cts-hmac-sha1-96/' "$TEST_TMP/krb5-sha2.conf"
KRB5_CONFIG=$TEST_TMP/krb5-sha2.conf kin -X "$(id_file alice)" alice@$REALM
expect_match "client preferring aes256-sha384 gets that session key" "$(klist -e 2>&1)" \
    'Etype \(skey, tkt\): aes256-cts-hmac-sha384-192'

# --- ECDSA P-256 certificate ---
kin -X "$(id_file alice-ec)" alice@$REALM
if [ $RC -eq 0 ]; then pass "kinit -X with an ECDSA P-256 certificate"; else fail "kinit ECDSA: $OUT"; fi

# --- PKCS#12 ---
KIN_STDIN=$PKI/alice.p12.pass kin -X "X509_user_identity=PKCS12:$PKI/alice.p12" alice@$REALM
if [ $RC -eq 0 ]; then pass "kinit -X PKCS12"; else fail "kinit PKCS12: $OUT"; fi

# --- RSA key transport ---
kin -X flag_RSA_PROTOCOL=yes -X "$(id_file alice)" alice@$REALM
if [ $RC -eq 0 ]; then pass "kinit -X flag_RSA_PROTOCOL=yes"; else fail "kinit RSA protocol: $OUT"; fi
expect_match "RSA key transport logged" "$(last_log)" 'result=ISSUED .*RSA key transport'

# --- enterprise name ---
kin -E -X "$(id_file alice)" alice@example.test
if [ $RC -eq 0 ]; then pass "kinit -E alice@example.test"; else fail "kinit -E: $OUT"; fi
expect_match "enterprise login yields alice@$REALM" "$(klist 2>&1)" "Default principal: alice@$REALM"

# --- smart card: SoftHSM2 token through PKCS#11 ---
MOD=""
for m in /usr/lib/softhsm/libsofthsm2.so /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so; do
	[ -f "$m" ] && MOD=$m && break
done
if [ -n "$MOD" ] && command -v softhsm2-util >/dev/null && command -v pkcs11-tool >/dev/null; then
	mkdir -p "$TEST_TMP/hsm/tokens"
	printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
	    "$TEST_TMP/hsm/tokens" >"$TEST_TMP/hsm/softhsm2.conf"
	export SOFTHSM2_CONF="$TEST_TMP/hsm/softhsm2.conf"
	softhsm2-util --init-token --free --label alicecard --pin 123456 --so-pin 12345678 >/dev/null 2>&1
	openssl pkcs8 -topk8 -nocrypt -in "$PKI/alice.key" -outform DER -out "$TEST_TMP/hsm/k.der"
	openssl x509 -in "$PKI/alice.crt" -outform DER -out "$TEST_TMP/hsm/c.der"
	pkcs11-tool --module "$MOD" --token-label alicecard --login --pin 123456 \
	    --write-object "$TEST_TMP/hsm/k.der" --type privkey --id 01 --label alice >/dev/null 2>&1
	pkcs11-tool --module "$MOD" --token-label alicecard --login --pin 123456 \
	    --write-object "$TEST_TMP/hsm/c.der" --type cert --id 01 --label alice >/dev/null 2>&1
	echo 123456 >"$TEST_TMP/hsm/pin"
	KIN_STDIN=$TEST_TMP/hsm/pin kin -X "X509_user_identity=PKCS11:module_name=$MOD:token=alicecard" alice@$REALM
	if [ $RC -eq 0 ]; then pass "kinit with the key on a SoftHSM2 smart card"; else fail "kinit PKCS11: $OUT"; fi
else
	fail "SoftHSM2/OpenSC not installed: smart-card case not run"
fi

# --- refusals, each with the precise error and a log line ---
kin -X "$(id_file carol)" alice@$REALM
expect_match "certificate of another account -> CLIENT_NAME_MISMATCH" "$OUT" 'Client name mismatch'
expect_match "log names the check, certificate and account" "$(last_log)" \
    'cert_subject="CN=carol.*result=KDC_ERR_CLIENT_NAME_MISMATCH code=75 reason="certificate .CN=carol.* is not bound to account cn=alice'
kin -X "$(id_file server)" alice@$REALM
expect_match "serverAuth-only EKU -> INCONSISTENT_KEY_PURPOSE" "$OUT" 'Inconsistent key purpose'
expect_match "log names the EKU check and certificate" "$(last_log)" \
    'cert_subject="CN=server.example.test.*code=77 reason="certificate .CN=server.example.test.*'
kin -X "X509_anchors=FILE:$PKI/root.crt" -X "X509_anchors=FILE:$PKI/rogue-ca.crt" -X "$(id_file rogue)" alice@$REALM
expect_match "untrusted chain -> CANT_VERIFY_CERTIFICATE" "$OUT" "Can't verify certificate"
expect_match "log names the chain check and certificate" "$(last_log)" \
    'cert_subject="CN=alice,O=Rogue".*code=70 reason="certificate .CN=alice,O=Rogue.: chain verification failed'

# --- a reply too big for UDP makes kinit retry over TCP (RFC 4120 7.2.1) ---
cp "$TEST_TMP/krb5.conf" "$TEST_TMP/krb5-udp.conf"
sed -i 's/rdns = false/rdns = false\n\tudp_preference_limit = 65535/' "$TEST_TMP/krb5-udp.conf"
KRB5_CONFIG=$TEST_TMP/krb5-udp.conf KRB5_TRACE=$TEST_TMP/trace-udp kin -X "$(id_file alice)" alice@$REALM
if [ $RC -eq 0 ]; then pass "kinit over UDP first still gets a TGT"; else fail "kinit UDP first: $OUT"; fi
expect_match "UDP reply replaced by RESPONSE_TOO_BIG, then TCP" \
    "$(cat "$TEST_TMP/trace-udp")" 'Response was too big|Received answer.*from stream|Sending initial TCP request'
expect_match "RESPONSE_TOO_BIG logged" "$(grep ' req=' "$TEST_TMP/kdc.log")" \
    'proto=udp .*(KRB_ERR_RESPONSE_TOO_BIG|code=52)'

# --- directory down: SVC_UNAVAILABLE at once, recovery without restart ---
# (MIT kinit treats SVC_UNAVAILABLE as "try another KDC" and keeps
# re-sending until its own timeout, so time the KDC's answer from its log.)
stop_slapd
kdestroy >/dev/null 2>&1
timeout 4 kinit -X "$(id_file alice)" alice@$REALM </dev/null >/dev/null 2>&1
LINE=$(last_log)
expect_match "directory down -> KDC_ERR_SVC_UNAVAILABLE" "$LINE" 'code=29 reason="account lookup.*no server reachable'
MS=$(printf '%s\n' "$LINE" | sed -n 's/.* ms=\([0-9]*\).*/\1/p')
if [ -n "$MS" ] && [ "$MS" -le 6000 ]; then pass "answered in $MS ms while the directory is down"; else
	fail "answer took ${MS:-?} ms with the directory down"; fi
sh "$top_srcdir/tests/integration/slapd.sh" start "$TEST_TMP/ldap" >/dev/null 2>&1
i=0; RC=1
while [ $i -lt 40 ] && [ $RC -ne 0 ]; do
	sleep 0.5
	kin -X "$(id_file alice)" alice@$REALM
	i=$((i + 1))
done
if [ $RC -eq 0 ]; then pass "logons work again once slapd is back, no restart"; else fail "no recovery: $OUT"; fi

# --- freshness required (applied by SIGHUP) ---
write_realm_conf "pkinit_require_freshness = true"
kill -HUP "$KDC_PID"
sleep 0.5
expect_match "reload with pkinit_require_freshness" "$(tail -n 3 "$TEST_TMP/kdc.log")" 'reloaded'
kin -X "$(id_file alice)" alice@$REALM
if [ $RC -eq 0 ]; then pass "kinit sends the freshness token and succeeds"; else fail "kinit with freshness: $OUT"; fi
kin -X disable_freshness=yes -X "$(id_file alice)" alice@$REALM
expect_match "disable_freshness=yes is refused" "$OUT" 'Preauthentication failed'
expect_match "log says the freshness token was missing" "$(last_log)" \
    'code=24 reason="request has no freshness token'

test_finish
