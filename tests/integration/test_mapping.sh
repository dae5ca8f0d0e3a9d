#!/bin/sh
# test_mapping.sh - certificate-to-account mapping end to end: MIT kinit
# against the daemon with a private slapd, every altSecurityIdentities form,
# strong vs weak binding under each strong_certificate_binding mode,
# backdating, the SID extension, one certificate mapped to two accounts,
# account state, enterprise and DOMAIN\user hints, and pkinit-kdc-util.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/integration/mitkdc.sh"

require_cmd kinit klist kdestroy kdb5_util kadmin.local slapd ldapmodify openssl
test_init

REALM=EXAMPLE.TEST
PKI=$TEST_TMP/pki
UTIL=$top_builddir/kdc/pkinit-kdc-util
sh "$top_srcdir/tests/integration/pki.sh" "$PKI" "$REALM" >"$TEST_TMP/pki.log" 2>&1 ||
	{ fail "test PKI generation"; test_finish; }
LDAP_URI=$(sh "$top_srcdir/tests/integration/slapd.sh" start "$TEST_TMP/ldap" \
    "$top_srcdir/conf/sample.ldif" "$top_srcdir/tests/data/ldap/mapping.ldif" \
    2>"$TEST_TMP/slapd.err") ||
	{ fail "slapd start: $(cat "$TEST_TMP/slapd.err")"; test_finish; }
trap 'sh "$top_srcdir/tests/integration/slapd.sh" stop "$TEST_TMP/ldap" >/dev/null 2>&1; test_cleanup' EXIT
# Only the krbtgt keytab of an MIT database is needed (no MIT KDC runs).
mitkdc_setup "$TEST_TMP/mit" "$REALM" "$(free_port)" || { fail "MIT database"; test_finish; }

PORT=$(free_port)
CONF=$TEST_TMP/kdc.conf
conf() {
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
		netbios_name = EXAMPLE
		$1
		$2
	}
EOT
}
# mode LINES...: rewrite the realm options and reload.
mode() {
	conf "$@"
	kill -HUP "$KDC_PID"
	sleep 0.4
}
conf ""
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
	OUT=$(timeout 20 kinit "$@" </dev/null 2>&1)
	RC=$?
}
last_log() {
	grep ' req=' "$TEST_TMP/kdc.log" | grep -v PREAUTH_REQUIRED | tail -n 1
}
id() { echo "X509_user_identity=FILE:$PKI/$1.crt,$PKI/$1.key"; }
# form CERT NAME: the altSecurityIdentities value of that form, from the tool.
form() {
	"$UTIL" altsecid "$PKI/$1.crt" | grep -A1 "^# $2," | sed -n 's/^altSecurityIdentities: //p'
}
# setmap CN VALUE...: replace an account's altSecurityIdentities.
setmap() {
	_dn=$1; shift
	case $_dn in *=*) ;; *) _dn="cn=$_dn,ou=Mapping,dc=example,dc=test" ;; esac
	{
		printf 'dn: %s\nchangetype: modify\nreplace: altSecurityIdentities\n' "$_dn"
		for v in "$@"; do printf 'altSecurityIdentities: %s\n' "$v"; done
	} | ldapmodify -x -H "$LDAP_URI" -D cn=admin,dc=example,dc=test \
	    -w "$(cat "$TEST_TMP/ldap/rootpw")" >"$TEST_TMP/ldapmodify.out" 2>&1 ||
		fail "ldapmodify $_dn: $(cat "$TEST_TMP/ldapmodify.out")"
}
ok() {  # ok DESCRIPTION LOG-REGEX
	if [ $RC -eq 0 ]; then pass "$1"; else fail "$1: $OUT / $(last_log)"; fi
	[ -z "${2:-}" ] || expect_match "$1: logged" "$(last_log)" "$2"
}
refused() {  # refused DESCRIPTION CODE LOG-REGEX
	if [ $RC -ne 0 ] && last_log | grep -q "code=$2 "; then pass "$1"; else
		fail "$1: rc=$RC $OUT / $(last_log)"; fi
	[ -z "${3:-}" ] || expect_match "$1: logged" "$(last_log)" "$3"
}
BOB="cn=bob,ou=Users,dc=example,dc=test"

# --- pkinit-kdc-util altsecid: AD formats ---
ISR=$(form bob I+SR)
SER=$(openssl x509 -in "$PKI/bob.crt" -noout -serial | sed 's/serial=//')
REV=$(printf '%s' "$SER" | sed 's/../& /g' | tr ' ' '\n' | grep . | tac | tr -d '\n')
expect_match "altsecid: I+SR with issuer most significant first, serial reversed" "$ISR" \
    "^X509:<I>DC=test,DC=example,O=PKINIT Test,CN=PKINIT Test Issuing CA<SR>$REV\$"
SHA=$(openssl x509 -in "$PKI/bob.crt" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g' | tr A-F a-f)
expect_match "altsecid: SHA1-PUKEY is the certificate thumbprint" "$(form bob SHA1-PUKEY)" "<SHA1-PUKEY>$SHA\$"
expect_match "altsecid: strong/weak marks" "$("$UTIL" altsecid "$PKI/bob.crt")" '# S, weak'

# --- full enforcement (the default) ---
kin -X "$(id alice)" alice@$REALM
ok "alice: UPN SAN + SID extension is strong under full" 'bound by UPN SAN \+ SID extension \(strong\)'
kin -X "$(id bob)" bob@$REALM
refused "bob without any mapping -> CLIENT_NAME_MISMATCH" 75 'is not bound to account cn=bob'
setmap "$BOB" "$ISR"
kin -X "$(id bob)" bob@$REALM
ok "bob (no UPN) logs in through X509:<I>..<SR>.. under full" 'altSecurityIdentities I\+SR \(strong\)'
expect_match "klist shows bob@$REALM" "$(klist 2>&1)" "Default principal: bob@$REALM"
for f in SKI SHA1-PUKEY; do
	setmap "$BOB" "$(form bob $f)"
	kin -X "$(id bob)" bob@$REALM
	ok "X509:<$f> is strong under full" "altSecurityIdentities $f \\(strong\\)"
done
for f in S I+S RFC822; do
	setmap "$BOB" "$(form bob $f)"
	kin -X "$(id bob)" bob@$REALM
	refused "X509 $f alone is weak: refused with 66 under full" 66 "only weakly \\(altSecurityIdentities $(echo $f | sed 's/+/[+]/')\\).*full"
done
expect_match "kinit reports the certificate mismatch" "$OUT" 'mismatch|Certificate'
setmap "$BOB" "X509:<FOO>bar" "Kerberos:bob" "$ISR"
kin -X "$(id bob)" bob@$REALM
ok "unparsable values are ignored, not fatal" 'I\+SR \(strong\)'
expect_match "ignored values are logged" "$(cat "$TEST_TMP/kdc.log")" 'altSecurityIdentities value\(s\) ignored'

# --- SID extension ---
kin -X "$(id sid-ok)" sidu@$REALM
ok "SID extension equal to objectSid: strong" 'UPN SAN \+ SID extension \(strong\)'
kin -X "$(id sid-url)" sidu@$REALM
ok "SAN URL tag:microsoft.com,2022-09-14:sid: equal to objectSid: strong" 'SAN URL SID \(strong\)'
kin -X "$(id sid-bad)" sidu@$REALM
refused "SID extension differing from objectSid -> 66" 66 'carries SID S-1-5-21-1111111111-2222222222-3333333333-2999'

# --- one certificate, two accounts ---
TW=$(form twin I+SR)
setmap twin1 "$TW"
setmap twin2 "$TW"
kin -X "$(id twin)" nosuchuser@$REALM
refused "one certificate mapped to two accounts, no hint -> 75" 75 'maps to 2 accounts.*give a user-name hint'
kin -X "$(id twin)" twin2@$REALM
ok "the hint picks twin2" 'account="cn=twin2'
OUT2=$("$UTIL" -c "$CONF" map "$PKI/twin.crt" 2>&1)
expect_match "pkinit-kdc-util map lists both candidates" "$OUT2" 'candidates: cn=twin1.*cn=twin2'
expect_match "pkinit-kdc-util map: error without a hint" "$OUT2" 'KDC_ERR_CLIENT_NAME_MISMATCH'
OUT2=$("$UTIL" -c "$CONF" map "$PKI/twin.crt" twin1 2>&1)
expect_match "pkinit-kdc-util map with a hint: account" "$OUT2" 'account: cn=twin1'
expect_match "pkinit-kdc-util map with a hint: binding" "$OUT2" 'binding: altSecurityIdentities I\+SR, strong'
expect_match "pkinit-kdc-util map with a hint: result" "$OUT2" 'result: mapped'

# --- found from the certificate when the name matches nothing ---
kin -C -X "$(id bob)" nobody@$REALM
ok "unknown name: account found from the certificate (canonical name)" 'account="cn=bob'
expect_match "ticket is for bob@$REALM" "$(klist 2>&1)" "Default principal: bob@$REALM"
kin -X "$(id bob)" 'EXAMPLE\\bob'@$REALM
ok "DOMAIN\\user hint with the realm's NetBIOS name" 'account="cn=bob'

# --- computers: dNSName SAN -> dNSHostName, sAMAccountName host$ ---
kin -X "$(id ws1)" 'ws1$'@$REALM
ok "computer ws1\$: dNSName SAN + SID extension is strong" 'account="cn=ws1,ou=Computers.*dNSName SAN \+ SID extension \(strong\)'
kin -C -X "$(id ws1)" nobody@$REALM
ok "computer found from the certificate's dNSName" 'account="cn=ws1,ou=Computers'

# --- groups: memberOf, then nested member searches, cycles bounded ---
OUT2=$("$UTIL" -c "$CONF" map "$PKI/alice.crt" alice 2>&1)
expect_match "alice: memberOf group" "$OUT2" 'group: cn=Smartcard Users'
expect_match "alice: group nesting found by member search" "$OUT2" 'group: cn=Nested Outer'
OUT2=$("$UTIL" -c "$CONF" map "$PKI/twin.crt" twin1 2>&1)
expect_match "twin1 (no memberOf): all four groups through a cycle" \
    "$(printf '%s\n' "$OUT2" | grep -c '^group:')" '^4$'
kin -X "$(id twin)" twin1@$REALM
ok "the logon resolves the groups" '; 4 groups'

# --- account state ---
ST=$(form state SHA1-PUKEY)
for a in disabled1 locked1 expired1 notdeleg; do setmap $a "$ST"; done
kin -X "$(id state)" disabled1@$REALM
refused "disabled account -> CLIENT_REVOKED" 18 'is disabled'
kin -X "$(id state)" locked1@$REALM
refused "locked-out account -> CLIENT_REVOKED" 18 'is locked out'
kin -X "$(id state)" expired1@$REALM
refused "expired account -> CLIENT_REVOKED" 18 'expired'
kin -f -X "$(id state)" notdeleg@$REALM
ok "NOT_DELEGATED account logs in"
expect_no_match "NOT_DELEGATED: ticket not forwardable" "$(klist -f 2>&1 | grep -A1 krbtgt)" 'Flags: .*F'

# --- enterprise name with a non-realm UPN suffix ---
kin -E -X "$(id eve)" eve@corp.example
ok "kinit -E eve@corp.example (UPN suffix not the realm's)" 'account="cn=eve'
expect_match "enterprise login yields eve@$REALM" "$(klist 2>&1)" "Default principal: eve@$REALM"

# --- compatibility ---
mode "strong_certificate_binding = compatibility"
setmap "$BOB" "$(form bob S)"
kin -X "$(id bob)" bob@$REALM
ok "X509:<S> admitted under compatibility" 'altSecurityIdentities S \(weak\)'
expect_match "weak mapping logged as a warning (event 39)" "$(cat "$TEST_TMP/kdc.log")" 'weak certificate mapping \(event 39\)'
setmap olduser "$(form old S)"
kin -X "$(id old)" olduser@$REALM
refused "weak mapping of a certificate older than the account -> 66 (event 40)" 66 'predates the account'
mode "strong_certificate_binding = compatibility" "certificate_backdating_compensation = 1900d"
kin -X "$(id old)" olduser@$REALM
ok "admitted with certificate_backdating_compensation" 'altSecurityIdentities S \(weak\)'
kin -X "$(id sid-bad)" sidu@$REALM
refused "SID mismatch -> 66 under compatibility too" 66 'carries SID'

mode "strong_certificate_binding = compatibility" "pkinit_allow_rfc822_mapping = true"
setmap "$BOB"
kin -X "$(id bob)" bob@$REALM
ok "pkinit_allow_rfc822_mapping: e-mail SAN equal to the UPN binds (weak)" 'rfc822Name SAN \(weak\)'
mode "strong_certificate_binding = full" "pkinit_allow_rfc822_mapping = true"
kin -X "$(id bob)" bob@$REALM
refused "... and is refused under full" 66 'only weakly \(rfc822Name SAN\)'

# --- none ---
mode "strong_certificate_binding = none"
kin -X "$(id old)" olduser@$REALM
ok "weak mapping of an old certificate accepted with none"
kin -X "$(id sid-bad)" sidu@$REALM
refused "SID mismatch -> 66 even with none" 66 'carries SID'

# --- search by certificate with a hint choosing ---
mode "pkinit_search_by_certificate = true"
kin -X "$(id twin)" twin1@$REALM
ok "pkinit_search_by_certificate: hint picks among mapped accounts" 'account="cn=twin1'

test_finish
