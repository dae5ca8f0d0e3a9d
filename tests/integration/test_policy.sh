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

# --- policy helpers ---
ldmod() {
	ldapmodify -x -H "$LDAP_URI" -D "cn=admin,dc=example,dc=test" \
	    -w "$(cat "$TEST_TMP/ldap/rootpw")" >>"$TEST_TMP/ldapmodify.log" 2>&1
}
# set_policy USER ATTR [VALUE]: replace (or delete) one attribute of a user.
set_attr() {
	if [ -n "${3:-}" ]; then
		printf 'dn: cn=%s,ou=Users,dc=example,dc=test\nchangetype: modify\nreplace: %s\n%s: %s\n' "$1" "$2" "$2" "$3" | ldmod
	else
		printf 'dn: cn=%s,ou=Users,dc=example,dc=test\nchangetype: modify\nreplace: %s\n' "$1" "$2" | ldmod
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
events() { grep -E ' event=(105|305) ' "$TEST_TMP/kdc.log" | tail -n 1; }
# endtime - starttime of the TGT in the cache, in seconds.
tgt_life() {
	klist 2>/dev/null | awk '/krbtgt\// { print $1" "$2" "$3" "$4; exit }' | {
		read sd st ed et
		echo $(( $(date -d "$ed $et" +%s) - $(date -d "$sd $st" +%s) ))
	}
}

# --- AllowedToAuthenticateFrom, enforced policy assigned directly ---
set_attr alice msDS-AssignedAuthNPolicy "cn=Device Policy,$POL"
reload
kin -T "$TEST_TMP/ws1.cc" -X "$(id_file alice)" alice@$REALM
if [ $RC -eq 0 ]; then pass "allowed device ws1\$ (in Tier0 Devices) gets a TGT"; else fail "allowed device: $OUT"; fi
kin -T "$TEST_TMP/ws2.cc" -X "$(id_file alice)" alice@$REALM
if [ $RC -ne 0 ]; then pass "other device ws2\$ is refused"; else fail "ws2 admitted"; fi
expect_match "refusal is KDC_ERR_POLICY" "$OUT" 'policy'
expect_match "event 105 names account, device, policy and silo" "$(events)" \
    'event=105 .*client=alice@EXAMPLE.TEST .*account="cn=alice,ou=Users,dc=example,dc=test".* device=ws2\$@EXAMPLE.TEST policy="Device Policy" silo=- action=denied'
expect_match "request log line says KDC_ERR_POLICY" "$(last_log)" 'code=12 reason="authentication policy \\"Device Policy\\"'
kin -X "$(id_file alice)" alice@$REALM
if [ $RC -ne 0 ]; then pass "no armor (no -T) is refused when enforced"; else fail "unarmored admitted"; fi
expect_match "event 105 without a device" "$(events)" 'event=105 .*client=alice@EXAMPLE.TEST .*device=- policy="Device Policy" silo=- action=denied reason=.*FAST'

# --- the same restriction stored as a binary security descriptor ---
set_attr alice msDS-AssignedAuthNPolicy "cn=Binary Policy,$POL"
reload
kin -T "$TEST_TMP/ws1.cc" -X "$(id_file alice)" alice@$REALM
if [ $RC -eq 0 ]; then pass "binary descriptor: allowed device gets a TGT"; else fail "binary allowed: $OUT"; fi
kin -T "$TEST_TMP/ws2.cc" -X "$(id_file alice)" alice@$REALM
if [ $RC -ne 0 ]; then pass "binary descriptor: other device refused"; else fail "binary ws2 admitted"; fi
expect_match "binary descriptor: event 105" "$(events)" 'event=105 .*device=ws2\$@EXAMPLE.TEST policy="Binary Policy"'

# --- a descriptor that cannot be parsed denies (enforced) and is logged ---
set_attr alice msDS-AssignedAuthNPolicy "cn=Broken Policy,$POL"
reload
kin -T "$TEST_TMP/ws1.cc" -X "$(id_file alice)" alice@$REALM
if [ $RC -ne 0 ]; then pass "unparseable descriptor denies"; else fail "broken policy admitted"; fi
expect_match "unparseable descriptor logged" "$(events)" 'event=105 .*policy="Broken Policy".*cannot be parsed'

# --- audit mode: policy not enforced ---
set_attr alice msDS-AssignedAuthNPolicy "cn=Audit Policy,$POL"
reload
kin -X "$(id_file alice)" alice@$REALM
if [ $RC -eq 0 ]; then pass "audit policy: unarmored logon admitted"; else fail "audit policy: $OUT"; fi
expect_match "event 305 logged" "$(events)" 'event=305 .*client=alice@EXAMPLE.TEST .*device=- policy="Audit Policy" silo=- action=audit'
kin -T "$TEST_TMP/ws2.cc" -X "$(id_file alice)" alice@$REALM
if [ $RC -eq 0 ]; then pass "audit policy: other device admitted"; else fail "audit ws2: $OUT"; fi
expect_match "event 305 names the device" "$(events)" 'event=305 .*device=ws2\$@EXAMPLE.TEST'

# --- TGT lifetime from an enforced policy ---
set_attr alice msDS-AssignedAuthNPolicy "cn=Lifetime Policy,$POL"
reload
kin -r 7d -X "$(id_file alice)" alice@$REALM
if [ $RC -eq 0 ]; then pass "lifetime policy: TGT issued"; else fail "lifetime policy: $OUT"; fi
L=$(tgt_life)
if [ "$L" -le 7200 ] && [ "$L" -ge 7100 ]; then pass "TGT lifetime 2 h from the policy ($L s)"; else fail "TGT lifetime $L s, wanted 7200"; fi
END=$(klist 2>/dev/null | awk '/krbtgt\// { print $3" "$4; exit }')
RT=$(klist 2>/dev/null | awk '/renew until/ { print $3" "$4; exit }')
if [ -z "$RT" ] || [ "$RT" = "$END" ]; then pass "no renewal beyond the policy lifetime (renew-till = endtime)"; else fail "renew until $RT, endtime $END"; fi
expect_match "log line names the policy" "$(last_log)" 'policy Lifetime Policy \(enforced\)'

# --- silo-assigned policy: enforced silo, then audit silo ---
set_attr alice msDS-AssignedAuthNPolicy
printf 'dn: cn=Tier0 Silo,%s\nchangetype: modify\nadd: msDS-AuthNPolicySiloMembers\nmsDS-AuthNPolicySiloMembers: cn=alice,ou=Users,dc=example,dc=test\n' "$SILO" | ldmod
printf 'dn: cn=Tier0 Policy,%s\nchangetype: modify\nreplace: msDS-UserAllowedToAuthenticateFrom\nmsDS-UserAllowedToAuthenticateFrom: O:SYG:SYD:(XA;OICI;CR;;;WD;(Member_of_any {SID(S-1-5-21-1111111111-2222222222-3333333333-1202)}))\n' "$POL" | ldmod
printf 'dn: cn=Tier0 Silo,%s\nchangetype: modify\nreplace: msDS-AuthNPolicySiloEnforced\nmsDS-AuthNPolicySiloEnforced: TRUE\n' "$SILO" | ldmod
set_attr alice msDS-AssignedAuthNPolicySilo "cn=Tier0 Silo,$SILO"
reload
kin -T "$TEST_TMP/ws1.cc" -X "$(id_file alice)" alice@$REALM
if [ $RC -eq 0 ]; then pass "silo policy: allowed device gets a TGT"; else fail "silo allowed: $OUT"; fi
L=$(tgt_life)
if [ "$L" -le 14400 ] && [ "$L" -ge 14300 ]; then pass "silo policy lifetime 4 h ($L s)"; else fail "silo lifetime $L s"; fi
kin -T "$TEST_TMP/ws2.cc" -X "$(id_file alice)" alice@$REALM
if [ $RC -ne 0 ]; then pass "silo policy: other device refused"; else fail "silo ws2 admitted"; fi
expect_match "event 105 names the silo" "$(events)" 'event=105 .*client=alice@EXAMPLE.TEST .*device=ws2\$@EXAMPLE.TEST policy="Tier0 Policy" silo="Tier0 Silo" action=denied'
# Assigned but not a member: the silo does not apply.
set_attr alice msDS-AssignedAuthNPolicySilo "cn=Device Silo,$SILO"
reload
kin -X "$(id_file alice)" alice@$REALM
if [ $RC -eq 0 ]; then pass "assigned to a silo without membership: no policy"; else fail "non-member silo: $OUT"; fi
set_attr alice msDS-AssignedAuthNPolicySilo "cn=Tier0 Silo,$SILO"
printf 'dn: cn=Tier0 Silo,%s\nchangetype: modify\nreplace: msDS-AuthNPolicySiloEnforced\nmsDS-AuthNPolicySiloEnforced: FALSE\n' "$SILO" | ldmod
reload
kin -X "$(id_file alice)" alice@$REALM
if [ $RC -eq 0 ]; then pass "silo not enforced: unarmored logon admitted"; else fail "audit silo: $OUT"; fi
expect_match "audit silo logs event 305" "$(events)" 'event=305 .*policy="Tier0 Policy" silo="Tier0 Silo"'
L=$(tgt_life)
if [ "$L" -gt 14400 ]; then pass "audit silo: lifetime not capped ($L s)"; else fail "audit silo lifetime $L s"; fi
set_attr alice msDS-AssignedAuthNPolicySilo

# --- the silo claim: devices in an enforced silo ---
printf 'dn: cn=ws1,ou=Computers,dc=example,dc=test\nchangetype: modify\nreplace: msDS-AssignedAuthNPolicySilo\nmsDS-AssignedAuthNPolicySilo: cn=Device Silo,%s\n' "$SILO" | ldmod
set_attr alice msDS-AssignedAuthNPolicy "cn=Silo Device Policy,$POL"
reload
kin -T "$TEST_TMP/ws1.cc" -X "$(id_file alice)" alice@$REALM
if [ $RC -eq 0 ]; then pass "device in the enforced silo (silo claim) admitted"; else fail "silo claim: $OUT"; fi
kin -T "$TEST_TMP/ws2.cc" -X "$(id_file alice)" alice@$REALM
if [ $RC -ne 0 ]; then pass "device outside the silo refused"; else fail "silo claim ws2 admitted"; fi
set_attr alice msDS-AssignedAuthNPolicy

# --- Protected Users ---
printf 'dn: cn=Protected Users,ou=Groups,dc=example,dc=test\nchangetype: modify\nadd: member\nmember: cn=alice,ou=Users,dc=example,dc=test\n' | ldmod
reload
kin -f -p -r 7d -X "$(id_file alice)" alice@$REALM
if [ $RC -eq 0 ]; then pass "Protected Users member gets a TGT"; else fail "protected: $OUT"; fi
L=$(tgt_life)
if [ "$L" -le 14400 ] && [ "$L" -ge 14300 ]; then pass "Protected Users: 4 h TGT ($L s)"; else fail "protected lifetime $L s"; fi
FL=$(klist -f 2>&1 | awk '/Flags:/ { print $2; exit }')
expect_no_match "Protected Users: not forwardable even with kinit -f ($FL)" "$FL" 'F'
expect_no_match "Protected Users: not proxiable even with kinit -p" "$FL" 'P'
expect_match "Protected Users: AES session key" "$(klist -e 2>&1)" 'Etype \(skey, tkt\): aes'
expect_match "log line says Protected Users" "$(last_log)" 'Protected Users'

test_finish
