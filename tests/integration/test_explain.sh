#!/bin/sh
# test_explain.sh - pkinit-kdc-util explain on every kind of card of the
# demo realm (scripts/demo): the verdict, the failing check with its
# reason and fix, the Kerberos error and the exit status.
. "$(dirname "$0")/lib.sh"

require_cmd kinit klist kdestroy ktutil slapd ldapmodify openssl
test_init

UTIL=$top_builddir/kdc/pkinit-kdc-util
DEMO=$TEST_TMP/demo
demo_env() {
	DEMO_DIR=$DEMO BUILD_DIR=$top_builddir DEMO_KDC_PORT=$KDC_PORT \
	    DEMO_CRL_PORT=$CRL_PORT DEMO_OCSP_PORT=$OCSP_PORT \
	    sh "$top_srcdir/scripts/demo" "$@"
}
demo_cleanup() {
	demo_env stop >/dev/null 2>&1
	test_cleanup
}
trap demo_cleanup EXIT

KDC_PORT=$(free_port)
CRL_PORT=$(free_port)
OCSP_PORT=$(free_port)
demo_env >"$TEST_TMP/demo.out" 2>&1 ||
	{ fail "scripts/demo: $(tail -n 5 "$TEST_TMP/demo.out")"; test_finish; }

# explain ARGS...: output in $out, exit status in $rc.
explain() {
	out=$("$UTIL" -c "$DEMO/kdc.conf" explain "$@" 2>&1)
	rc=$?
}
pki=$DEMO/pki

explain --user alice --key "$pki/alice.key" "$pki/alice.crt"
[ $rc -eq 0 ] && pass "alice: exit 0" || fail "alice: exit $rc: $out"
expect_match "alice: TGT verdict" "$out" '^verdict: a TGT would be issued'
expect_no_match "alice: nothing fails" "$out" '^FAIL'
for c in key validity chain key-usage ntauth revocation account mapping account-state policy; do
	expect_match "alice: $c passes" "$out" "^PASS $c "
done
expect_match "alice: strong binding" "$out" '^PASS mapping .*strong'

explain "$pki/bob-ec.crt"
[ $rc -eq 0 ] && pass "bob-ec (found from the certificate): exit 0" || fail "bob-ec: exit $rc: $out"
expect_match "bob-ec: bound by issuer and serial" "$out" '^PASS mapping +altSecurityIdentities I\+SR, strong'
expect_match "bob-ec: the Tier0 silo needs armor to evaluate" "$out" "^WARN policy +silo cn=Tier0 Silo.*FAST armor"

explain --user alice "$pki/revoked.crt"
[ $rc -eq 1 ] && pass "revoked: exit 1" || fail "revoked: exit $rc"
expect_match "revoked: FAIL revocation with the reason" "$out" \
    '^FAIL revocation +certificate .CN=revoked,OU=Users,DC=example,DC=test. serial [0-9A-F]+ .* is revoked \((OCSP|CRL)\)'
expect_match "revoked: fix" "$out" '^ +fix: the certificate is revoked'
expect_match "revoked: verdict 72" "$out" '^verdict: refused with KDC_ERR_REVOKED_CERTIFICATE \(72\)'

explain --user alice "$pki/server.crt"
[ $rc -eq 1 ] && pass "server (wrong EKU): exit 1" || fail "server: exit $rc"
expect_match "server: FAIL key-usage" "$out" '^FAIL key-usage +.*EKU lacks Smart Card Logon'
expect_match "server: fix names the EKU" "$out" '^ +fix: .*1\.3\.6\.1\.4\.1\.311\.20\.2\.2'
expect_match "server: verdict 77" "$out" '^verdict: refused with KDC_ERR_INCONSISTENT_KEY_PURPOSE \(77\)'

explain "$pki/rogue.crt"
[ $rc -eq 1 ] && pass "rogue (untrusted issuer): exit 1" || fail "rogue: exit $rc"
expect_match "rogue: FAIL chain" "$out" "^FAIL chain +certificate 'CN=alice,O=Rogue'"
expect_match "rogue: fix names pkinit_anchors" "$out" '^ +fix: .*pkinit_anchors'
expect_match "rogue: verdict 70" "$out" '^verdict: refused with KDC_ERR_CANT_VERIFY_CERTIFICATE \(70\)'

explain --user bob "$pki/bob.crt"
[ $rc -eq 1 ] && pass "bob (unmapped): exit 1" || fail "bob: exit $rc"
expect_match "bob: account found by name" "$out" '^PASS account +cn=bob,ou=Users'
expect_match "bob: FAIL mapping" "$out" "^FAIL mapping +certificate 'CN=bob,.*' is not bound to account cn=bob"
expect_match "bob: LDIF fix with the account's DN" "$out" '^ +dn: cn=bob,ou=Users,dc=example,dc=test$'
isr=$("$UTIL" altsecid "$pki/bob.crt" | sed -n 's/^altSecurityIdentities: \(X509:<I>.*<SR>.*\)/\1/p')
expect_match "bob: LDIF fix adds the strong I+SR value" "$out" "^ +altSecurityIdentities: $(printf '%s' "$isr" | sed 's/[].[*+?()|^$\\]/\\&/g')\$"
expect_match "bob: verdict 75" "$out" '^verdict: refused with KDC_ERR_CLIENT_NAME_MISMATCH \(75\)'

explain "$pki/bob.crt"
[ $rc -eq 1 ] && pass "bob without a name: exit 1" || fail "bob without a name: exit $rc"
expect_match "bob without a name: FAIL account" "$out" '^FAIL account +'

explain "$pki/alice2.crt"
[ $rc -eq 1 ] && pass "alice2 (issuer not in NTAuth): exit 1" || fail "alice2: exit $rc"
expect_match "alice2: chain passes" "$out" '^PASS chain '
expect_match "alice2: FAIL ntauth" "$out" '^FAIL ntauth +.*PKINIT Test Issuing CA 2'
expect_match "alice2: fix names pkinit_ntauth" "$out" "^ +fix: if the CA 'CN=PKINIT Test Issuing CA 2.*pkinit_ntauth bundle"
expect_match "alice2: verdict 62" "$out" '^verdict: refused with KDC_ERR_CLIENT_NOT_TRUSTED \(62\)'

explain --key "$pki/alice.key" "$pki/bob-ec.crt"
[ $rc -eq 1 ] && pass "wrong key: exit 1" || fail "wrong key: exit $rc"
expect_match "wrong key: FAIL key" "$out" '^FAIL key +.*does not match'

explain
[ $rc -eq 2 ] && pass "no certificate: usage, exit 2" || fail "no certificate: exit $rc"
explain -r NO.SUCH "$pki/alice.crt"
[ $rc -eq 1 ] && pass "unknown realm: exit 1" || fail "unknown realm: exit $rc"
test_finish
