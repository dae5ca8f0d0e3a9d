#!/bin/sh
# test_policy.sh - FAST armor and AD authentication policies at the AS
# exchange, driven with unmodified MIT kinit: armored PKINIT (kinit -T),
# device restrictions (AllowedToAuthenticateFrom), enforced TGT lifetimes
# from policies and silos, audit mode and Protected Users.
#
# Machine accounts get their TGTs from a private MIT krb5kdc that shares
# the krbtgt key (as a domain-joined computer would from any DC); those
# TGTs are the armor for users' PKINIT logons at pkinit-kdc.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/integration/mitkdc.sh"

require_cmd kinit klist kdestroy krb5kdc kdb5_util kadmin.local slapd openssl
test_init

REALM=EXAMPLE.TEST
PKI=$TEST_TMP/pki
sh "$top_srcdir/tests/integration/pki.sh" "$PKI" "$REALM" >"$TEST_TMP/pki.log" 2>&1 ||
	{ fail "test PKI generation"; test_finish; }

cat "$top_srcdir/conf/sample.ldif" "$top_srcdir/tests/data/ldap/policy.ldif" \
    >"$TEST_TMP/dir.ldif"
LDAP_URI=$(sh "$top_srcdir/tests/integration/slapd.sh" start "$TEST_TMP/ldap" \
    "$TEST_TMP/dir.ldif" 2>"$TEST_TMP/slapd.err") ||
	{ fail "slapd start: $(cat "$TEST_TMP/slapd.err")"; test_finish; }
stop_slapd() { sh "$top_srcdir/tests/integration/slapd.sh" stop "$TEST_TMP/ldap" >/dev/null 2>&1; }

MIT_PORT=$(free_port)
mitkdc_setup "$TEST_TMP/mit" "$REALM" "$MIT_PORT" || { stop_slapd; fail "MIT KDC database"; test_finish; }
MITCONF=$TEST_TMP/mit/krb5.conf
for m in ws1 ws2; do
	KRB5_CONFIG=$MITCONF KRB5_KDC_PROFILE=$TEST_TMP/mit/kdc.conf \
	    kadmin.local -r "$REALM" -q "addprinc -pw machine-$m-pw $m\$" \
	    >>"$TEST_TMP/mit/setup.log" 2>&1
done
mitkdc_start "$TEST_TMP/mit" || { stop_slapd; fail "MIT krb5kdc start"; test_finish; }
trap 'mitkdc_stop "$TEST_TMP/mit"; stop_slapd; test_cleanup' EXIT

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
		krbtgt_keytab = FILE:$TEST_TMP/mit/krbtgt.keytab
		pkinit_identity = FILE:$PKI/kdc.crt,$PKI/kdc.key
		pkinit_anchors = FILE:$PKI/root.crt
		pkinit_pool = FILE:$PKI/ca.crt
		ldap_uri = $LDAP_URI
		ldap_base_dn = dc=example,dc=test
		ldap_bind_dn = cn=admin,dc=example,dc=test
		ldap_bind_password_file = $TEST_TMP/ldap/rootpw
		max_life = 10h
		max_renewable_life = 7d
	}
EOT
kdc_start "$CONF"
wait_udp 127.0.0.1 "$PORT" || { fail "pkinit-kdc did not start: $(cat "$TEST_TMP/kdc.stderr")"; test_finish; }

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

kin() {
	kdestroy >/dev/null 2>&1
	OUT=$(timeout 30 kinit "$@" </dev/null 2>&1)
	RC=$?
}
last_log() {
	grep ' req=' "$TEST_TMP/kdc.log" | grep -v PREAUTH_REQUIRED | tail -n 1
}
id_file() {
	echo "X509_user_identity=FILE:$PKI/$1.crt,$PKI/$1.key"
}
# machine NAME: a TGT for NAME$ from the MIT KDC into $TEST_TMP/NAME.cc.
machine() {
	echo "machine-$1-pw" | KRB5_CONFIG=$MITCONF KRB5CCNAME=FILE:$TEST_TMP/$1.cc \
	    timeout 30 kinit "$1\$@$REALM" >/dev/null 2>&1
}

# --- FAST: armored PKINIT with a machine TGT ---
machine ws1 || fail "machine TGT for ws1\$ from the MIT KDC"
machine ws2 || fail "machine TGT for ws2\$ from the MIT KDC"
KRB5_TRACE=$TEST_TMP/trace-fast kin -T "$TEST_TMP/ws1.cc" -X "$(id_file alice)" alice@$REALM
if [ $RC -eq 0 ]; then pass "kinit -T (FAST armor) with PKINIT"; else fail "kinit -T: $OUT"; fi
TR=$(cat "$TEST_TMP/trace-fast")
expect_match "PREAUTH_REQUIRED came armored, with PA-FX-FAST and a cookie" "$TR" \
    'Processing preauth types: .*PA-PK-AS-REQ \(16\).*PA-FX-FAST \(136\).*PA-FX-COOKIE \(133\)'
expect_match "reply key strengthened (KrbFastResponse accepted)" "$TR" 'FAST reply key: aes'
expect_match "FAST negotiation advertised in the encrypted padata" "$TR" 'FAST negotiation: available'
expect_match "KDC logged the device" "$(last_log)" 'result=ISSUED .*FAST armor from ws1\$@EXAMPLE.TEST'

# --- our own TGT as armor (RFC 6806 enc-pa-rep advertised FAST) ---
kin -X "$(id_file alice)" alice@$REALM
cp "$TEST_TMP/ccache" "$TEST_TMP/alice-armor.cc"
kin -T "$TEST_TMP/alice-armor.cc" -X "$(id_file alice)" alice@$REALM
if [ $RC -eq 0 ]; then pass "kinit -T with a TGT this KDC issued"; else fail "kinit -T own TGT: $OUT"; fi
expect_match "armored with our own TGT" "$(last_log)" 'FAST armor from alice@EXAMPLE.TEST'

test_finish
