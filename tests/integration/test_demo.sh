#!/bin/sh
# test_demo.sh - README command 1: scripts/demo in a private directory on
# free ports logs alice (RSA, ECDSA) and bob (ECDSA, altSecurityIdentities)
# in, refuses carol's and the revoked card with the KDC's reasons, runs
# pkinit-kdc-util explain, survives a re-run, and "scripts/demo stop"
# stops everything it started.
. "$(dirname "$0")/lib.sh"

require_cmd kinit klist kdestroy ktutil slapd ldapmodify openssl
test_init

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
out=$(demo_env 2>&1)
rc=$?
[ $rc -eq 0 ] && pass "scripts/demo exits 0" || fail "scripts/demo exit $rc: $(printf '%s' "$out" | tail -n 5)"

klist_ok=$(printf '%s\n' "$out" | grep -c 'krbtgt/EXAMPLE.TEST@EXAMPLE.TEST')
[ "$klist_ok" -eq 3 ] && pass "three successful klist listings" ||
	fail "$klist_ok klist listings (wanted 3)"
expect_match "alice logged in" "$out" '^Default principal: alice@EXAMPLE.TEST'
expect_match "bob logged in with his ECDSA card" "$out" \
    'kinit -X X509_user_identity=FILE:bob-ec.crt,bob-ec.key bob@EXAMPLE.TEST'
expect_match "bob's principal in klist" "$out" '^Default principal: bob@EXAMPLE.TEST'
expect_match "bob's strong mapping is shown" "$out" \
    '^mapping:  bob altSecurityIdentities: X509:<I>.*<SR>[0-9A-F]+$'
expect_match "carol's card refused (name mismatch)" "$out" \
    'result=KDC_ERR_CLIENT_NAME_MISMATCH code=75'
expect_match "revoked card refused by kinit" "$out" \
    'kinit: Revoked certificate while getting initial credentials'
expect_match "revoked card's logged reason" "$out" \
    'result=KDC_ERR_REVOKED_CERTIFICATE code=72 reason="certificate .CN=revoked,.* is revoked \((OCSP|CRL)\)"'
expect_match "explain: good card gets a TGT" "$out" \
    '^verdict: a TGT would be issued'
expect_match "explain: revoked card FAILs revocation" "$out" \
    '^FAIL revocation +certificate .CN=revoked'
expect_match "explain: revoked verdict" "$out" \
    '^verdict: refused with KDC_ERR_REVOKED_CERTIFICATE \(72\)'
expect_match "how to stop is shown" "$out" 'Stop everything: +scripts/demo stop'
for f in kdc.pid crl.pid ocsp.pid; do
	[ -s "$DEMO/$f" ] && kill -0 "$(cat "$DEMO/$f")" 2>/dev/null &&
		pass "$f names a running process" || fail "$f: no running process"
done

# Re-running reuses the PKI and restarts the servers on the same ports.
serial1=$(openssl x509 -in "$DEMO/pki/alice.crt" -noout -serial)
out2=$(demo_env 2>&1)
rc=$?
[ $rc -eq 0 ] && pass "re-run exits 0" || fail "re-run exit $rc: $(printf '%s' "$out2" | tail -n 5)"
klist_ok=$(printf '%s\n' "$out2" | grep -c 'krbtgt/EXAMPLE.TEST@EXAMPLE.TEST')
[ "$klist_ok" -eq 3 ] && pass "re-run: three klist listings" ||
	fail "re-run: $klist_ok klist listings"
[ "$(openssl x509 -in "$DEMO/pki/alice.crt" -noout -serial)" = "$serial1" ] &&
	pass "re-run keeps the PKI" || fail "re-run made a new PKI"

pids=$(cat "$DEMO/kdc.pid" "$DEMO/crl.pid" "$DEMO/ocsp.pid" 2>/dev/null)
stop=$(demo_env stop 2>&1)
expect_match "stop: KDC" "$stop" '^stopped pkinit-kdc$'
expect_match "stop: CRL server" "$stop" '^stopped CRL server$'
expect_match "stop: OCSP responder" "$stop" '^stopped OCSP responder$'
expect_match "stop: slapd" "$stop" '^stopped slapd$'
sleep 0.3
alive=""
for p in $pids; do
	kill -0 "$p" 2>/dev/null && alive="$alive $p"
done
[ -z "$alive" ] && pass "everything stopped" || fail "still running:$alive"
test_finish
