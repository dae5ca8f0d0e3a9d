#!/bin/sh
# test_revocation.sh - NTAuth issuer store and certificate revocation end
# to end: MIT kinit as the client, `openssl ocsp` as the OCSP responder
# (delegated responder certificate), CRLs served over HTTP by python's
# http.server, a responder that never answers, and a private slapd
# holding the NTAuthCertificates entry.  Every refusal is checked in
# kinit's output and in the KDC's log line.
. "$(dirname "$0")/lib.sh"

require_cmd kinit kdestroy slapd ldapmodify openssl
test_init

REALM=EXAMPLE.TEST
PKI=$TEST_TMP/pki
HTTP_PORT=$(free_port)
OCSP_PORT=$(free_port)
HANG_PORT=$(free_port)
PORT=$(free_port)
MPORT=$(free_port)
PKI_OCSP_URL=http://127.0.0.1:$OCSP_PORT/ \
PKI_CRL_URL=http://127.0.0.1:$HTTP_PORT/ca.crl \
PKI_HANG_URL=http://127.0.0.1:$HANG_PORT/ \
    sh "$top_srcdir/tests/integration/pki.sh" "$PKI" "$REALM" >"$TEST_TMP/pki.log" 2>&1 ||
	{ fail "test PKI generation"; test_finish; }

# CRL server.
mkdir -p "$TEST_TMP/www"
cp "$PKI/ca.crl" "$PKI/ca2.crl" "$TEST_TMP/www/"
python3 -m http.server "$HTTP_PORT" --bind 127.0.0.1 --directory "$TEST_TMP/www" \
    >"$TEST_TMP/http.log" 2>&1 &
track_pid $!

# OCSP responder signing with the delegated responder certificate: openssl
# ocsp itself, run per request behind an HTTP front bound to 127.0.0.1.
start_ocsp() {
	python3 "$top_srcdir/tests/integration/ocsp_responder.py" "$OCSP_PORT" \
	    -index "$PKI/ca.db/index.txt" \
	    -rsigner "$PKI/ocsp.crt" -rkey "$PKI/ocsp.key" -CA "$PKI/ca.crt" \
	    -ndays 1 >>"$TEST_TMP/ocsp.log" 2>&1 &
	OCSP_PID=$!
	track_pid $OCSP_PID
}
start_ocsp

# A responder that accepts connections and never answers.
python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(64)
held = []
while True:
    held.append(s.accept()[0])
' "$HANG_PORT" &
track_pid $!

# Directory with the NTAuthCertificates entry holding ca only.
b64() { openssl x509 -in "$1" -outform DER | base64 -w0; }
NTAUTH_DN="CN=NTAuthCertificates,CN=Public Key Services,CN=Services,CN=Configuration,dc=example,dc=test"
cat >"$TEST_TMP/ntauth.ldif" <<EOT
dn: CN=Configuration,dc=example,dc=test
objectClass: applicationProcess
cn: Configuration

dn: CN=Services,CN=Configuration,dc=example,dc=test
objectClass: applicationProcess
cn: Services

dn: CN=Public Key Services,CN=Services,CN=Configuration,dc=example,dc=test
objectClass: applicationProcess
cn: Public Key Services

dn: $NTAUTH_DN
objectClass: applicationProcess
objectClass: certificationAuthority
cn: NTAuthCertificates
cACertificate;binary:: $(b64 "$PKI/ca.crt")
authorityRevocationList;binary:: $(openssl crl -in "$PKI/root.crl" -outform DER | base64 -w0)
certificateRevocationList;binary:: $(openssl crl -in "$PKI/root.crl" -outform DER | base64 -w0)
EOT
LDAP_URI=$(sh "$top_srcdir/tests/integration/slapd.sh" start "$TEST_TMP/ldap" \
    "$top_srcdir/conf/sample.ldif" "$TEST_TMP/ntauth.ldif" 2>"$TEST_TMP/slapd.err") ||
	{ fail "slapd start: $(cat "$TEST_TMP/slapd.err")"; test_finish; }
stop_slapd() { sh "$top_srcdir/tests/integration/slapd.sh" stop "$TEST_TMP/ldap" >/dev/null 2>&1; }
trap 'stop_slapd; test_cleanup' EXIT

CONF=$TEST_TMP/kdc.conf
# write_realm_conf LINE...: the realm block with these extra options.
write_realm_conf() {
	{
		cat <<EOT
[kdcdefaults]
	kdc_listen = 127.0.0.1:$PORT
	kdc_tcp_listen = 127.0.0.1:$PORT
	metrics_listen = 127.0.0.1:$MPORT
[logging]
	kdc = FILE:$TEST_TMP/kdc.log
	level = debug
[realms]
	$REALM = {
		krbtgt_keytab = FILE:$top_srcdir/tests/data/keytab/example.keytab
		pkinit_identity = FILE:$PKI/kdc.crt,$PKI/kdc.key
		pkinit_anchors = FILE:$PKI/root.crt
		pkinit_pool = FILE:$PKI/ca.crt
		pkinit_pool = FILE:$PKI/ca2.crt
		pkinit_revoke = FILE:$PKI/root.crl
		pkinit_revocation_timeout = 3
		ldap_uri = $LDAP_URI
		ldap_base_dn = dc=example,dc=test
		ldap_bind_dn = cn=admin,dc=example,dc=test
		ldap_bind_password_file = $TEST_TMP/ldap/rootpw
EOT
		for l in "$@"; do
			printf '\t\t%s\n' "$l"
		done
		printf '\t}\n'
	} >"$CONF"
}
# reconfigure LINE...: new options applied by SIGHUP (fresh caches).
RELOADS=0
reconfigure() {
	write_realm_conf "$@"
	RELOADS=$((RELOADS + 1))
	kill -HUP "$KDC_PID"
	i=0
	while [ "$(grep -c 'reloaded' "$TEST_TMP/kdc.log")" -lt "$RELOADS" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	sleep 0.2
}

write_realm_conf "pkinit_revocation_check = ocsp,crl" \
    "pkinit_ntauth = FILE:$PKI/ntauth.pem"
kdc_start "$CONF"
wait_udp 127.0.0.1 "$PORT" || { fail "pkinit-kdc did not start: $(cat "$TEST_TMP/kdc.stderr")"; test_finish; }

cat >"$TEST_TMP/krb5.conf" <<EOT
[libdefaults]
	default_realm = $REALM
	dns_lookup_kdc = false
	rdns = false
	udp_preference_limit = 1
[realms]
	$REALM = {
		kdc = 127.0.0.1:$PORT
		pkinit_anchors = FILE:$PKI/root.crt
		pkinit_pool = FILE:$PKI/ca.crt
		pkinit_pool = FILE:$PKI/ca2.crt
	}
EOT
export KRB5_CONFIG="$TEST_TMP/krb5.conf"
export KRB5CCNAME="FILE:$TEST_TMP/ccache"

kin() {
	kdestroy >/dev/null 2>&1
	OUT=$(timeout 30 kinit -X "X509_user_identity=FILE:$PKI/$1.crt,$PKI/$1.key" \
	    "alice@$REALM" </dev/null 2>&1)
	RC=$?
}
last_log() {
	grep ' req=' "$TEST_TMP/kdc.log" | grep -v PREAUTH_REQUIRED | tail -n 1
}
ms_of() {
	printf '%s\n' "$1" | sed -n 's/.* ms=\([0-9]*\).*/\1/p'
}
expect_tgt() {
	if [ $RC -eq 0 ]; then pass "$1"; else fail "$1: $OUT / $(last_log)"; fi
}

# --- good certificate: OCSP (delegated responder) for alice, the static
# root CRL for the issuing CA ---
kin alice
expect_tgt "good certificate, ocsp,crl -> TGT"
expect_match "issued" "$(last_log)" 'cert_subject="CN=alice,.*result=ISSUED code=0'

# --- revoked, learnt from OCSP ---
kin revoked
expect_match "revoked by OCSP: kinit sees the revocation" "$OUT" '[Rr]evoked'
expect_match "revoked by OCSP -> 72, log names serial, issuer and OCSP" "$(last_log)" \
    "code=72 reason=\"certificate 'CN=revoked,OU=Users,DC=example,DC=test' serial [0-9A-F]+ issued by 'CN=PKINIT Test Issuing CA,.*' is revoked \\(OCSP\\)\""
# Its path verified, so the second attempt takes it from the verified-path
# cache: the revocation check runs all the same.
kin revoked
expect_match "revoked again, path from the cache -> 72" "$(last_log)" \
    "code=72 reason=\"certificate 'CN=revoked,.*' is revoked \\(OCSP\\)\""

# --- issuing CA trusted, not in NTAuth ---
kin alice2
expect_match "CA not in NTAuth: kinit error" "$OUT" 'not trusted|Client not trusted'
expect_match "CA not in NTAuth -> 62 naming the issuer" "$(last_log)" \
    "code=62 reason=\"certificate 'CN=alice2,.*': issuing CA 'CN=PKINIT Test Issuing CA 2,.*' is not in NTAuth"

# --- a fetch that hangs does not delay a request answered from the cache
kdestroy >/dev/null 2>&1
timeout 20 kinit -X "X509_user_identity=FILE:$PKI/slow.crt,$PKI/slow.key" alice@$REALM \
    </dev/null >"$TEST_TMP/slow.out" 2>&1 &
SLOW_PID=$!
track_pid $SLOW_PID
sleep 0.5
T0=$(date +%s%N)
KRB5CCNAME="FILE:$TEST_TMP/ccache2" kin alice
WALL_MS=$((($(date +%s%N) - T0) / 1000000))
FAST_LINE=$(grep ' req=' "$TEST_TMP/kdc.log" | grep 'cert_subject="CN=alice,' | tail -n 1)
wait_exit $SLOW_PID 20
SLOW_LINE=$(grep ' req=' "$TEST_TMP/kdc.log" | grep 'cert_subject="CN=slow,' | tail -n 1)
FAST_MS=$(ms_of "$FAST_LINE")
SLOW_MS=$(ms_of "$SLOW_LINE")
echo "# latency: cached request ${FAST_MS:-?} ms in the KDC (kinit ${WALL_MS} ms wall clock, two round trips) while a hung fetch took ${SLOW_MS:-?} ms"
expect_tgt "cached certificate served while another request waits on a hung responder"
if [ -n "$FAST_MS" ] && [ "$FAST_MS" -lt 1000 ]; then pass "cached request answered in $FAST_MS ms"; else
	fail "cached request took ${FAST_MS:-?} ms"; fi
if [ "$WALL_MS" -lt 1500 ]; then pass "kinit with the cached certificate done in $WALL_MS ms"; else
	fail "kinit with the cached certificate took $WALL_MS ms"; fi
if [ -n "$SLOW_MS" ] && [ "$SLOW_MS" -ge 1500 ]; then pass "hung fetch ended by its timeout after $SLOW_MS ms"; else
	fail "hung request took ${SLOW_MS:-?} ms"; fi
expect_match "hung responder -> 74 unavailable" "$SLOW_LINE" \
    "code=74 reason=\"revocation status of 'CN=slow,.*unavailable: OCSP: http://127.0.0.1:$HANG_PORT/: (timed out|no complete answer)"

# --- CRLs only ---
reconfigure "pkinit_revocation_check = crl" "pkinit_ntauth = FILE:$PKI/ntauth.pem"
kin revoked
expect_match "revoked by CRL -> 72 from the CRL" "$(last_log)" \
    "code=72 reason=\"certificate 'CN=revoked,.*' serial [0-9A-F]+ issued by 'CN=PKINIT Test Issuing CA,.*' is revoked \\(CRL\\)\""
kin alice
expect_tgt "good certificate by CRL -> TGT"
kin alice
expect_tgt "again, CRL from the cache"
HITS=$(grep -c "GET /ca.crl" "$TEST_TMP/http.log")
if [ "$HITS" -eq 1 ]; then pass "one CRL download for three requests"; else fail "$HITS CRL downloads"; fi

# --- expired CRL ---
cp "$PKI/ca-expired.crl" "$TEST_TMP/www/ca.crl"
reconfigure "pkinit_revocation_check = crl" "pkinit_ntauth = FILE:$PKI/ntauth.pem"
kin alice
expect_match "expired CRL -> 73 (status unknown)" "$(last_log)" \
    "code=73 reason=\"revocation status of 'CN=alice,.*unknown: CRL: CRL of '.*' expired"
cp "$PKI/ca.crl" "$TEST_TMP/www/ca.crl"

# --- responder down ---
kill "$OCSP_PID"
wait "$OCSP_PID" 2>/dev/null
reconfigure "pkinit_revocation_check = ocsp" "pkinit_revocation_failure = hard"
kin alice
expect_match "responder down, hard -> 74 (unavailable)" "$(last_log)" \
    "code=74 reason=\"revocation status of 'CN=alice,.*unavailable: OCSP: .*(refused|failed)"
reconfigure "pkinit_revocation_check = ocsp" "pkinit_revocation_failure = soft"
kin alice
expect_tgt "responder down, soft -> TGT"
expect_match "soft failure logged as a warning" "$(grep 'client alice@' "$TEST_TMP/kdc.log" | tail -n 1)" \
    "revocation status of 'CN=alice,.*unavailable, allowed \\(pkinit_revocation_failure = soft\\)"
start_ocsp

# --- NTAuth from the directory, refreshed without restart ---
reconfigure "pkinit_revocation_check = crl" "pkinit_ntauth = LDAP" "pkinit_ntauth_refresh = 1s"
wait_file_match "$TEST_TMP/kdc.log" 'NTAuth: 1 CA certificates from CN=NTAuth' 5 ||
	fail "NTAuth not read from the directory"
kin alice
expect_tgt "NTAuth from LDAP: CA listed -> TGT"
kin alice2
expect_match "NTAuth from LDAP: CA not listed -> 62" "$(last_log)" \
    "code=62 reason=\"certificate 'CN=alice2,.*': issuing CA 'CN=PKINIT Test Issuing CA 2,.*' is not in NTAuth"
ldapmodify -x -H "$LDAP_URI" -D cn=admin,dc=example,dc=test -w "$(cat "$TEST_TMP/ldap/rootpw")" \
    >/dev/null 2>&1 <<EOT
dn: $NTAUTH_DN
changetype: modify
add: cACertificate;binary
cACertificate;binary:: $(b64 "$PKI/ca2.crt")
EOT
wait_file_match "$TEST_TMP/kdc.log" 'NTAuth: 2 CA certificates from CN=NTAuth' 5 ||
	fail "NTAuth change not picked up"
kin alice2
expect_tgt "CA added to NTAuth in LDAP is honoured after the refresh, no restart"

# --- revoked after a good logon: the verified-path cache does not skip
# revocation.  A second responder answers without nextUpdate, so the KDC
# keeps no OCSP answer and asks on every logon (RFC 6960 section 4.2.2.1).
chain_hits() {
	python3 "$top_srcdir/tests/integration/scrape.py" \
	    "http://127.0.0.1:$MPORT/metrics" 2>/dev/null |
	    sed -n 's/^pkinit_kdc_cert_chain_cache_hits_total //p'
}
OCSP2_PORT=$(free_port)
python3 "$top_srcdir/tests/integration/ocsp_responder.py" "$OCSP2_PORT" \
    -index "$PKI/ca.db/index.txt" \
    -rsigner "$PKI/ocsp.crt" -rkey "$PKI/ocsp.key" -CA "$PKI/ca.crt" \
    >>"$TEST_TMP/ocsp2.log" 2>&1 &
track_pid $!
i=0
while [ $i -lt 50 ] && ! python3 -c 'import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$OCSP2_PORT" 2>/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
reconfigure "pkinit_revocation_check = ocsp" \
    "pkinit_ocsp_responder = http://127.0.0.1:$OCSP2_PORT/"
H0=$(chain_hits)
kin revlater
expect_tgt "certificate good at first logon -> TGT"
kin revlater
expect_tgt "second logon, path from the cache -> TGT"
(cd "$PKI" && openssl ca -config ca.db/ca.cnf -revoke revlater.crt \
    -crl_reason keyCompromise) >>"$TEST_TMP/ca.log" 2>&1 ||
	fail "revoking revlater.crt: $(tail -n 3 "$TEST_TMP/ca.log")"
kin revlater
expect_match "revoked after good logons, path from the cache -> 72" "$(last_log)" \
    "code=72 reason=\"certificate 'CN=revlater,.*' is revoked \\(OCSP\\)\""
H1=$(chain_hits)
if [ -n "$H0" ] && [ -n "$H1" ] && [ $((H1 - H0)) -eq 2 ]; then
	pass "the two later logons took their path from the cache"
else
	fail "chain cache hits ${H0:-?} -> ${H1:-?}, expected 2 more"
fi

test_finish
