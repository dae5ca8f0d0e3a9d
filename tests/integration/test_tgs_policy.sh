#!/bin/sh
# test_tgs_policy.sh - the TGS exchange with FAST armor and authentication
# policies, driven with unmodified MIT kinit and kvno: a FAST-armored
# AS exchange makes kvno armor its TGS requests too; the service account
# ws1$ (SPN HOST/ws1.example.test) gets policies whose
# AllowedToAuthenticateTo admits only members of App Users (alice, not
# dave): enforced, in audit mode, through a silo; a policy on the
# client's silo claim; service tickets of Protected Users and
# NOT_DELEGATED accounts are not forwardable.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/integration/mitkdc.sh"

require_cmd kinit klist kvno kdestroy kdb5_util kadmin.local slapd ldapmodify openssl
test_init

REALM=EXAMPLE.TEST
PKI=$TEST_TMP/pki
sh "$top_srcdir/tests/integration/pki.sh" "$PKI" "$REALM" >"$TEST_TMP/pki.log" 2>&1 ||
	{ fail "test PKI generation"; test_finish; }

cat "$top_srcdir/conf/sample.ldif" "$top_srcdir/tests/data/ldap/tgs_policy.ldif" \
    >"$TEST_TMP/dir.ldif"
LDAP_URI=$(sh "$top_srcdir/tests/integration/slapd.sh" start "$TEST_TMP/ldap" \
    "$TEST_TMP/dir.ldif" 2>"$TEST_TMP/slapd.err") ||
	{ fail "slapd start: $(cat "$TEST_TMP/slapd.err")"; test_finish; }
stop_slapd() { sh "$top_srcdir/tests/integration/slapd.sh" stop "$TEST_TMP/ldap" >/dev/null 2>&1; }
trap 'stop_slapd; test_cleanup' EXIT

# Keys: an MIT database only to make keytabs (krbtgt and ws1$).
MIT=$TEST_TMP/mit
mitkdc_setup "$MIT" "$REALM" "$(free_port)" || { fail "MIT database"; test_finish; }
kadm() {
	KRB5_CONFIG=$MIT/krb5.conf KRB5_KDC_PROFILE=$MIT/kdc.conf \
	    kadmin.local -r "$REALM" -q "$1" >>"$MIT/setup.log" 2>&1
}
cp "$MIT/svc.keytab" "$TEST_TMP/services.keytab"
kadm 'addprinc -randkey ws1$' && kadm "ktadd -norandkey -k $TEST_TMP/services.keytab ws1\$" ||
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
SVC=HOST/ws1.example.test@$REALM

ldmod() {
	ldapmodify -x -H "$LDAP_URI" -D "cn=admin,dc=example,dc=test" \
	    -w "$(cat "$TEST_TMP/ldap/rootpw")" >>"$TEST_TMP/ldapmodify.log" 2>&1
}
# ws1_attr ATTR [VALUE]: replace (or delete) one attribute of ws1$.
ws1_attr() {
	if [ -n "${2:-}" ]; then
		printf 'dn: cn=ws1,ou=Computers,dc=example,dc=test\nchangetype: modify\nreplace: %s\n%s: %s\n' "$1" "$1" "$2" | ldmod
	else
		printf 'dn: cn=ws1,ou=Computers,dc=example,dc=test\nchangetype: modify\nreplace: %s\n' "$1" | ldmod
	fi
}
POL="ou=AuthN Policies,dc=example,dc=test"
SILO="ou=AuthN Silos,dc=example,dc=test"
# SIGHUP: policies and silos are re-read (the cache starts empty).
NRELOAD=0
reload() {
	NRELOAD=$((NRELOAD + 1))
	kill -HUP "$KDC_PID"
	i=0
	while [ "$(grep -c 'reloaded' "$TEST_TMP/kdc.log")" -lt $NRELOAD ] && [ $i -lt 100 ]; do
		sleep 0.1; i=$((i + 1))
	done
}
last_tgs() {
	grep ' req=' "$TEST_TMP/kdc.log" | grep 'TGS-REQ' | tail -n 1
}
events() { grep -E ' event=(106|306) ' "$TEST_TMP/kdc.log" | tail -n 1; }
nevents() { grep -cE ' event=(106|306) ' "$TEST_TMP/kdc.log"; }

# Users: alice (in App Users) with her certificate; dave (not) with
# carol's, whose UPN SAN dave@example.test names dave once dave has it.
# The UPN finds dave; the key identifier and certificate hash mappings
# bind the certificate strongly (KB5014754), as strict binding requires.
SKI=$(openssl x509 -in "$PKI/carol.crt" -noout -ext subjectKeyIdentifier |
    sed -n 's/^ *\([0-9A-Fa-f:]*\)$/\1/p' | tr -d ':\n')
SHA=$(openssl x509 -in "$PKI/carol.crt" -noout -fingerprint -sha1 | sed 's/.*=//' | tr -d ':')
printf 'dn: cn=dave,ou=Users,dc=example,dc=test\nchangetype: modify\nreplace: userPrincipalName\nuserPrincipalName: dave@example.test\n-\nreplace: altSecurityIdentities\naltSecurityIdentities: X509:<SKI>%s\naltSecurityIdentities: X509:<SHA1-PUKEY>%s\n' \
    "$SKI" "$SHA" | ldmod
ALICE="X509_user_identity=FILE:$PKI/alice.crt,$PKI/alice.key"
DAVE="X509_user_identity=FILE:$PKI/carol.crt,$PKI/carol.key"
# tgt USER ID [KINIT ARGS]: a TGT into $TEST_TMP/USER.tgt.
tgt() {
	u=$1 id=$2
	shift 2
	rm -f "$TEST_TMP/$u.tgt"
	OUT=$(KRB5CCNAME=FILE:$TEST_TMP/$u.tgt timeout 30 kinit "$@" -X "$id" "$u@$REALM" </dev/null 2>&1)
}
# kv USER: kvno for the service with (a fresh copy of) USER's TGT, so no
# service ticket is ever taken from the cache; output in $OUT.
kv() {
	cp "$TEST_TMP/$1.tgt" "$TEST_TMP/$1.cc"
	OUT=$(env KRB5CCNAME=FILE:"$TEST_TMP/$1.cc" ${TRACE:+KRB5_TRACE="$TRACE"} \
	    timeout 30 kvno "$SVC" 2>&1)
	RC=$?
}

tgt alice "$ALICE" || fail "kinit alice: $OUT"
tgt dave "$DAVE" || fail "kinit dave (carol's certificate): $OUT"

# --- no policy: both get tickets ---
kv alice
expect_match "no policy: alice gets a ticket" "$OUT" 'kvno = 1'
kv dave
expect_match "no policy: dave gets a ticket" "$OUT" 'kvno = 1'
svc_flags() {
	KRB5CCNAME=FILE:$TEST_TMP/$1.cc klist -f 2>&1 | grep -A1 "$SVC" | sed -n 's/.*Flags: *//p'
}
tgt alice "$ALICE" -f || fail "kinit -f alice: $OUT"
kv alice
expect_match "forwardable TGT: service ticket forwardable ($(svc_flags alice))" "$(svc_flags alice)" 'F'

# --- FAST: an armored AS exchange makes kvno armor its TGS-REQs ---
cp "$TEST_TMP/alice.tgt" "$TEST_TMP/armor.cc"
tgt alice "$ALICE" -T "$TEST_TMP/armor.cc" || fail "kinit -T alice: $OUT"
TRACE=$TEST_TMP/trace-tgs kv alice
expect_match "FAST-armored TGS-REQ: kvno gets a ticket" "$OUT" 'kvno = 1'
TR=$(cat "$TEST_TMP/trace-tgs")
expect_match "kvno armored the TGS-REQ (FAST)" "$TR" 'Upgrading to FAST due to presence of PA_FX_FAST in reply|FAST armor|Encoding request body and padata into FAST request'
expect_match "armored TGS-REP accepted (KrbFastResponse)" "$TR" 'Decoding FAST response'
expect_match "KDC logged the TGS request as armored" "$(last_tgs)" 'result=ISSUED .*; FAST armor'

# --- enforced policy on the service: member yes, non-member no ---
ws1_attr msDS-AssignedAuthNPolicy "cn=App Policy,$POL"
reload
tgt alice "$ALICE" || fail "kinit alice: $OUT"
kv alice
expect_match "enforced: member alice gets a ticket" "$OUT" 'kvno = 1'
expect_match "enforced: log names the service policy" "$(last_tgs)" 'result=ISSUED .*service policy App Policy \(enforced\)'
N=$(nevents)
kv dave
if [ $RC -ne 0 ]; then pass "enforced: non-member dave is refused"; else fail "dave admitted: $OUT"; fi
expect_match "enforced: refusal is KDC_ERR_POLICY" "$OUT" 'KDC policy rejects request'
expect_match "enforced: event 106 names client, service, policy and silo" "$(events)" \
    'event=106 .*client=dave@EXAMPLE.TEST server=HOST/ws1.example.test@EXAMPLE.TEST .*device=- policy="App Policy" silo=- action=denied reason=.*AllowedToAuthenticateTo'
expect_match "enforced: request line says KDC_ERR_POLICY" "$(last_tgs)" 'code=12 reason="service.s authentication policy \\"App Policy\\"'
# MIT kvno may ask twice (with and without name canonicalization): one
# event per refused request.
NREF=$(grep ' req=' "$TEST_TMP/kdc.log" | grep -c 'type=TGS-REQ .*code=12 ')
[ "$(nevents)" -eq $((N + NREF)) ] && [ "$NREF" -ge 1 ] &&
	pass "enforced: one policy event per refused request ($NREF)" ||
	fail "policy events $N -> $(nevents) for $NREF refusals"
# Armored, the refusal comes back inside the armor.
tgt dave "$DAVE" -T "$TEST_TMP/armor.cc" || fail "kinit -T dave: $OUT"
kv dave
expect_match "enforced, armored: non-member still refused" "$OUT" 'KDC policy rejects request'
expect_match "enforced, armored: refusal logged as armored request" "$(events)" 'event=106 .*client=dave@EXAMPLE.TEST'

# --- audit mode: both get tickets, the non-member is logged (306) ---
ws1_attr msDS-AssignedAuthNPolicy "cn=App Audit Policy,$POL"
reload
tgt dave "$DAVE" || fail "kinit dave: $OUT"
N=$(nevents)
kv alice
expect_match "audit: member alice gets a ticket" "$OUT" 'kvno = 1'
[ "$(nevents)" -eq "$N" ] && pass "audit: no event for the member" || fail "audit: event for alice: $(events)"
kv dave
expect_match "audit: non-member dave gets a ticket" "$OUT" 'kvno = 1'
expect_match "audit: event 306 for dave" "$(events)" \
    'event=306 .*client=dave@EXAMPLE.TEST server=HOST/ws1.example.test@EXAMPLE.TEST .*policy="App Audit Policy" silo=- action=audit'
expect_match "audit: request line notes the audit" "$(last_tgs)" 'result=ISSUED .*App Audit Policy \(audit\); would be refused'

# --- through an enforced silo (the silo's enforcement decides) ---
ws1_attr msDS-AssignedAuthNPolicy
ws1_attr msDS-AssignedAuthNPolicySilo "cn=App Silo,$SILO"
reload
kv alice
expect_match "silo: member alice gets a ticket" "$OUT" 'kvno = 1'
kv dave
expect_match "silo: non-member refused" "$OUT" 'KDC policy rejects request'
expect_match "silo: event 106 names policy and silo" "$(events)" \
    'event=106 .*client=dave@EXAMPLE.TEST .*policy="App Silo Policy" silo="App Silo" action=denied'
ws1_attr msDS-AssignedAuthNPolicySilo
reload
kv dave
expect_match "policy removed: dave gets a ticket again" "$OUT" 'kvno = 1'

# --- the client's silo claim (@USER.ad://ext/AuthenticationSilo) ---
ws1_attr msDS-AssignedAuthNPolicy "cn=App Claim Policy,$POL"
reload
kv alice
expect_match "silo claim: listed in User Silo but not assigned: no claim, refused" "$OUT" 'KDC policy rejects request'
printf 'dn: cn=alice,ou=Users,dc=example,dc=test\nchangetype: modify\nreplace: msDS-AssignedAuthNPolicySilo\nmsDS-AssignedAuthNPolicySilo: cn=User Silo,%s\n' "$SILO" | ldmod
reload
kv alice
expect_match "silo claim: alice in the enforced User Silo gets a ticket" "$OUT" 'kvno = 1'
kv dave
expect_match "silo claim: dave (no silo) refused" "$OUT" 'KDC policy rejects request'
printf 'dn: cn=alice,ou=Users,dc=example,dc=test\nchangetype: modify\ndelete: msDS-AssignedAuthNPolicySilo\n' | ldmod
ws1_attr msDS-AssignedAuthNPolicy
reload

# --- Protected Users: service tickets are not forwardable ---
printf 'dn: cn=Protected Users,ou=Groups,dc=example,dc=test\nchangetype: modify\nadd: member\nmember: cn=alice,ou=Users,dc=example,dc=test\n' | ldmod
reload
tgt alice "$ALICE" -f || fail "kinit -f alice (Protected Users): $OUT"
kv alice
expect_match "Protected Users: alice gets a service ticket" "$OUT" 'kvno = 1'
FL=$(svc_flags alice)
[ -n "$FL" ] && pass "Protected Users: service ticket flags read ($FL)" || fail "no service ticket in the cache"
expect_no_match "Protected Users: service ticket not forwardable" "$FL" 'F'

# --- NOT_DELEGATED (userAccountControl 0x100000): the same ---
printf 'dn: cn=dave,ou=Users,dc=example,dc=test\nchangetype: modify\nreplace: userAccountControl\nuserAccountControl: 1049088\n' | ldmod
tgt dave "$DAVE" -f || fail "kinit -f dave (NOT_DELEGATED): $OUT"
kv dave
expect_match "NOT_DELEGATED: dave gets a service ticket" "$OUT" 'kvno = 1'
FL=$(svc_flags dave)
[ -n "$FL" ] && pass "NOT_DELEGATED: service ticket flags read ($FL)" || fail "no service ticket in dave's cache"
expect_no_match "NOT_DELEGATED: service ticket not forwardable" "$FL" 'F'

test_finish
