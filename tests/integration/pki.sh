#!/bin/sh
# pki.sh DIR REALM - build the test PKI used by the integration tests and
# the demo, with nothing but the openssl command line tool.
#
# Layout of DIR (all PEM unless noted):
#   root.{crt,key}          self-signed root CA
#   ca.{crt,key}            issuing (intermediate) CA, signed by root
#   anchors.pem             trust anchors bundle (root only)
#   pool.pem                intermediates (ca.crt)
#   chain.pem               ca.crt + root.crt
#   kdc.{crt,key}           KDC: EKU id-pkinit-KPKdc + serverAuth,
#                           SAN id-pkinit-san krbtgt/REALM@REALM + dNSName
#   alice.{crt,key}         RSA-2048, UPN alice@example.test, EKU Smart
#                           Card Logon + clientAuth
#   alice-ec.{crt,key}      ECDSA P-256, same UPN and EKU
#   alice.p12 alice.p12.pass  PKCS#12 of alice and its passphrase file
#   bob.{crt,key}           no UPN (for certificate-to-account mappings)
#   server.{crt,key}        serverAuth only (wrong EKU for logon)
#   carol.{crt,key}         UPN naming another account: dave@example.test
#   kuenc.{crt,key}         keyUsage without digitalSignature (cannot sign
#                           an AuthPack legitimately)
#   rogue-ca.{crt,key}      a separate, untrusted CA
#   rogue.{crt,key}         alice's UPN, issued by rogue-ca
#   kdc-ec.{crt,key}        like kdc.crt with an ECDSA P-256 key
#   (alice's certificates carry the SID extension of her objectSid)
# Certificate mapping (test_mapping.sh):
#   twin.{crt,key}          no UPN; mapped to two accounts
#   state.{crt,key}         no UPN; mapped to disabled/locked/expired ones
#   eve.{crt,key}           UPN eve@corp.example (not the realm), SID -2005
#   sid-ok/sid-bad/sid-url  UPN sidu@example.test with SID extension
#                           -2001 (matching), -2999 (mismatching), SAN URL
#   old.{crt,key}           no UPN, notBefore 2020-01-01 (backdating)
#   ws1.{crt,key}           computer: dNSName ws1.example.test, SID -1109
#
# Revocation and NTAuth (section at the end):
#   revoked.{crt,key}       alice's UPN, issued by ca, revoked in ca's CRL
#                           and OCSP database
#   slow.{crt,key}          alice's UPN, issued by ca, AIA OCSP at
#                           PKI_HANG_URL (a server that never answers)
#   ocsp.{crt,key}          OCSP responder delegated by ca (EKU
#                           id-kp-OCSPSigning)
#   ca2.{crt,key}           a second issuing CA under root: trusted, and
#                           not in the NTAuth bundle
#   alice2.{crt,key}        alice's UPN, issued by ca2, CDP only (ca2.crl
#                           next to PKI_CRL_URL)
#   ntauth.pem              NTAuth bundle: ca only
#   ca.crl ca2.crl root.crl current CRLs (PEM); ca-expired.crl expired in
#                           2020; ca.db/ the openssl ca database of ca
#                           (index.txt for openssl ocsp -index)
#
# Demo realm (section at the end):
#   bob-ec.{crt,key}        ECDSA P-256, no UPN (bob is found by name and
#                           bound by an altSecurityIdentities
#                           X509:<I>...<SR>... value), issued by ca
#
# When PKI_OCSP_URL / PKI_CRL_URL are set, the end-entity certificates get
# AIA (OCSP) / CDP extensions pointing there.
#
# Idempotent: when DIR/.complete exists nothing is done.
set -eu

if [ $# -ne 2 ]; then
	echo "usage: $0 DIR REALM" >&2
	exit 2
fi
dir=$1
realm=$2
[ -f "$dir/.complete" ] && exit 0
mkdir -p "$dir"
cd "$dir"
umask 077

days=3650
ocsp=${PKI_OCSP_URL:-}
crl=${PKI_CRL_URL:-}

# Revocation pointers, when asked for.
rev=""
if [ -n "$ocsp" ]; then
	rev="authorityInfoAccess = OCSP;URI:$ocsp"
fi
if [ -n "$crl" ]; then
	rev="$rev
crlDistributionPoints = URI:$crl"
fi

# Extensions every end-entity user certificate carries.
user="basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = 1.3.6.1.4.1.311.20.2.2,clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
$rev"

cat > ext.cnf <<CNF
[ca_root]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash

[ca_int]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[kdc]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = 1.3.6.1.5.2.3.5,serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = @kdc_san
$rev

[kdc_san]
otherName.1 = 1.3.6.1.5.2.2;SEQUENCE:kdc_princ_name
DNS.1 = kdc.example.test
DNS.2 = localhost

# KRB5PrincipalName (RFC 4556 section 3.2.2) for krbtgt/REALM@REALM.
[kdc_princ_name]
realm = EXP:0,GENSTR:$realm
principal_name = EXP:1,SEQUENCE:kdc_principal_seq

[kdc_principal_seq]
name_type = EXP:0,INTEGER:2
name_string = EXP:1,SEQUENCE:kdc_principals

[kdc_principals]
princ1 = GENSTR:krbtgt
princ2 = GENSTR:$realm

[alice]
$user
subjectAltName = otherName:1.3.6.1.4.1.311.20.2.3;UTF8:alice@example.test,email:alice@example.test
# SID security extension, as an AD CA adds it (KB5014754): alice's objectSid
# in conf/sample.ldif, so her logon is strongly bound.
1.3.6.1.4.1.311.25.2 = ASN1:SEQUENCE:alice_sid

[alice_sid]
on = IMP:0,SEQUENCE:alice_sid_on

[alice_sid_on]
oid = OID:1.3.6.1.4.1.311.25.2.1
val = EXP:0,OCTETSTRING:S-1-5-21-1111111111-2222222222-3333333333-1104

[bob]
$user
subjectAltName = email:bob@example.test

[carol]
$user
subjectAltName = otherName:1.3.6.1.4.1.311.20.2.3;UTF8:dave@example.test

[kuenc]
basicConstraints = CA:FALSE
keyUsage = critical,keyEncipherment
extendedKeyUsage = 1.3.6.1.4.1.311.20.2.2,clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = otherName:1.3.6.1.4.1.311.20.2.3;UTF8:kuenc@example.test

[server]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = otherName:1.3.6.1.4.1.311.20.2.3;UTF8:alice@example.test,DNS:server.example.test
$rev
CNF

subj_base="/DC=test/DC=example"

rsa_key() {
	[ -f "$1.key" ] || openssl genpkey -algorithm RSA \
	    -pkeyopt rsa_keygen_bits:2048 -out "$1.key" 2>/dev/null
}

ec_key() {
	[ -f "$1.key" ] || openssl genpkey -algorithm EC \
	    -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" 2>/dev/null
}

serial() {
	# Random positive 63-bit serials, as RFC 5280 section 4.1.2.2 advises.
	printf '0x%s' "$(openssl rand -hex 8 | sed 's/^./7/')"
}

# issue NAME CA SUBJECT SECTION
issue() {
	openssl req -new -key "$1.key" -subj "$3" -out "$1.csr"
	openssl x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" \
	    -set_serial "$(serial)" -days "$days" -sha256 \
	    -extfile ext.cnf -extensions "$4" -out "$1.crt" 2>/dev/null
	rm -f "$1.csr"
}

# self_signed NAME SUBJECT SECTION
self_signed() {
	# x509 -req -signkey self-signs with an explicit extension section.
	openssl req -new -key "$1.key" -subj "$2" -out "$1.csr"
	openssl x509 -req -in "$1.csr" -signkey "$1.key" -days "$days" \
	    -sha256 -set_serial "$(serial)" -extfile ext.cnf \
	    -extensions "$3" -out "$1.crt" 2>/dev/null
	rm -f "$1.csr"
}

rsa_key root
self_signed root "$subj_base/O=PKINIT Test/CN=PKINIT Test Root CA" ca_root
rsa_key ca
issue ca root "$subj_base/O=PKINIT Test/CN=PKINIT Test Issuing CA" ca_int

rsa_key kdc
issue kdc ca "$subj_base/O=PKINIT Test/CN=kdc.example.test" kdc

rsa_key alice
issue alice ca "$subj_base/OU=Users/CN=alice" alice
ec_key alice-ec
issue alice-ec ca "$subj_base/OU=Users/CN=alice-ec" alice
rsa_key bob
issue bob ca "$subj_base/OU=Users/CN=bob" bob
rsa_key server
issue server ca "$subj_base/OU=Servers/CN=server.example.test" server
rsa_key carol
issue carol ca "$subj_base/OU=Users/CN=carol" carol
rsa_key kuenc
issue kuenc ca "$subj_base/OU=Users/CN=kuenc" kuenc

rsa_key rogue-ca
self_signed rogue-ca "/O=Rogue/CN=Rogue CA" ca_root
rsa_key rogue
issue rogue rogue-ca "/O=Rogue/CN=alice" alice

# --- ECDSA KDC identity (performance: the cheap signing key) ---
#   kdc-ec.{crt,key}        ECDSA P-256 KDC key, same extensions as kdc.crt
ec_key kdc-ec
issue kdc-ec ca "$subj_base/O=PKINIT Test/CN=kdc.example.test" kdc
# --- certificate mapping (test_mapping.sh) ---
sidbase=S-1-5-21-1111111111-2222222222-3333333333
sid_section() {
	printf '[%s]\n$user\n%s\n1.3.6.1.4.1.311.25.2 = ASN1:SEQUENCE:%s_s\n' \
	    "$1" "$2" "$1"
	printf '[%s_s]\non = IMP:0,SEQUENCE:%s_o\n[%s_o]\n' "$1" "$1" "$1"
	printf 'oid = OID:1.3.6.1.4.1.311.25.2.1\nval = EXP:0,OCTETSTRING:%s\n' "$3"
}
{
	printf '[nameless]\n%s\n' "$user"
	sid_section eve 'subjectAltName = otherName:1.3.6.1.4.1.311.20.2.3;UTF8:eve@corp.example' "$sidbase-2005"
	sid_section sidok 'subjectAltName = otherName:1.3.6.1.4.1.311.20.2.3;UTF8:sidu@example.test' "$sidbase-2001"
	sid_section sidbad 'subjectAltName = otherName:1.3.6.1.4.1.311.20.2.3;UTF8:sidu@example.test' "$sidbase-2999"
	sid_section ws1 'subjectAltName = DNS:ws1.example.test' "$sidbase-1109"
	printf '[sidurl]\n%s\nsubjectAltName = @sidurl_san\n[sidurl_san]\n' "$user"
	printf 'otherName.1 = 1.3.6.1.4.1.311.20.2.3;UTF8:sidu@example.test\n'
	printf 'URI.1 = tag:microsoft.com,2022-09-14:sid:%s-2001\n' "$sidbase"
} | eval "cat <<EOT
$(cat)
EOT" >> ext.cnf
for n in twin state; do
	rsa_key $n
	issue $n ca "$subj_base/OU=Users/CN=$n" nameless
done
rsa_key ws1
issue ws1 ca "$subj_base/OU=Computers/CN=ws1.example.test" ws1
rsa_key eve
issue eve ca "$subj_base/OU=Users/CN=eve" eve
for n in sid-ok sid-bad sid-url; do
	rsa_key $n
	issue $n ca "$subj_base/OU=Users/CN=sidu" "$(echo $n | tr -d -)"
done
# A certificate issued before its account existed: openssl ca sets the
# start date (x509 -req cannot).
rsa_key old
mkdir -p cadb
: > cadb/index.txt
serial | sed 's/^0x//' > cadb/serial
cat > cadb/ca.cnf <<CNF
[ca]
default_ca = d
[d]
database = cadb/index.txt
new_certs_dir = cadb
serial = cadb/serial
default_md = sha256
policy = p
unique_subject = no
[p]
domainComponent = optional
organizationalUnitName = optional
commonName = supplied
CNF
openssl req -new -key old.key -subj "$subj_base/OU=Users/CN=old" -out old.csr
openssl ca -batch -notext -config cadb/ca.cnf -cert ca.crt -keyfile ca.key \
    -in old.csr -out old.crt -preserveDN \
    -startdate 20200101000000Z -enddate 20350101000000Z \
    -extfile ext.cnf -extensions nameless 2>/dev/null
rm -f old.csr

cp root.crt anchors.pem
cp ca.crt pool.pem
cat ca.crt root.crt > chain.pem

# PKCS#12 with the passphrase in a file (pkinit_identity PKCS12:...).
openssl rand -hex 12 > alice.p12.pass
openssl pkcs12 -export -inkey alice.key -in alice.crt -certfile ca.crt \
    -name alice -passout "file:alice.p12.pass" -out alice.p12

openssl verify -CAfile anchors.pem -untrusted pool.pem \
    kdc.crt alice.crt alice-ec.crt bob.crt server.crt carol.crt kuenc.crt \
    kdc-ec.crt \
    twin.crt state.crt eve.crt ws1.crt sid-ok.crt sid-bad.crt sid-url.crt old.crt \
    >/dev/null
if openssl verify -CAfile anchors.pem -untrusted pool.pem rogue.crt \
    >/dev/null 2>&1; then
	echo "pki.sh: rogue.crt unexpectedly verifies" >&2
	exit 1
fi

# --- Revocation and NTAuth ----------------------------------------------
# Certificates, CA databases and CRLs for revocation checks (OCSP, CRLs,
# delegated responder) and for the NTAuth issuer store.
hang=${PKI_HANG_URL:-http://127.0.0.1:9/}
crl2=""
if [ -n "$crl" ]; then
	crl2="crlDistributionPoints = URI:${crl%/*}/ca2.crl"
fi
cat >> ext.cnf <<CNF

[revoked]
$user
subjectAltName = otherName:1.3.6.1.4.1.311.20.2.3;UTF8:alice@example.test
1.3.6.1.4.1.311.25.2 = ASN1:SEQUENCE:alice_sid

[slow]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = 1.3.6.1.4.1.311.20.2.2,clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = OCSP;URI:$hang
subjectAltName = otherName:1.3.6.1.4.1.311.20.2.3;UTF8:alice@example.test
1.3.6.1.4.1.311.25.2 = ASN1:SEQUENCE:alice_sid

[ocsp_signer]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = OCSPSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[alice2]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = 1.3.6.1.4.1.311.20.2.2,clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
$crl2
subjectAltName = otherName:1.3.6.1.4.1.311.20.2.3;UTF8:alice@example.test
1.3.6.1.4.1.311.25.2 = ASN1:SEQUENCE:alice_sid
CNF

rsa_key revoked
issue revoked ca "$subj_base/OU=Users/CN=revoked" revoked
rsa_key slow
issue slow ca "$subj_base/OU=Users/CN=slow" slow
rsa_key ocsp
issue ocsp ca "$subj_base/O=PKINIT Test/CN=PKINIT Test OCSP Responder" ocsp_signer
rsa_key ca2
issue ca2 root "$subj_base/O=PKINIT Test/CN=PKINIT Test Issuing CA 2" ca_int
rsa_key alice2
issue alice2 ca2 "$subj_base/OU=Users2/CN=alice2" alice2
cp ca.crt ntauth.pem

# ca_db NAME: an openssl ca database for CA NAME in NAME.db/.
ca_db() {
	mkdir -p "$1.db"
	: > "$1.db/index.txt"
	echo "unique_subject = no" > "$1.db/index.txt.attr"
	echo 1000 > "$1.db/crlnumber"
	cat > "$1.db/ca.cnf" <<CNF
[ca]
default_ca = db
[db]
database = $1.db/index.txt
crlnumber = $1.db/crlnumber
certificate = $1.crt
private_key = $1.key
new_certs_dir = $1.db
default_md = sha256
default_crl_days = 30
policy = pol
[pol]
[crl_ext]
authorityKeyIdentifier = keyid
CNF
}
for c in root ca ca2; do
	ca_db "$c"
done
for c in alice alice-ec bob server carol kuenc kdc slow ocsp; do
	openssl ca -config ca.db/ca.cnf -valid "$c.crt" 2>/dev/null
done
openssl ca -config ca.db/ca.cnf -revoke revoked.crt -crl_reason keyCompromise 2>/dev/null
openssl ca -config root.db/ca.cnf -valid ca.crt 2>/dev/null
openssl ca -config root.db/ca.cnf -valid ca2.crt 2>/dev/null
for c in root ca ca2; do
	openssl ca -config "$c.db/ca.cnf" -gencrl -crlexts crl_ext \
	    -out "$c.crl" 2>/dev/null
done
openssl ca -config ca.db/ca.cnf -gencrl -crlexts crl_ext \
    -crl_lastupdate 20200101000000Z -crl_nextupdate 20200102000000Z \
    -out ca-expired.crl 2>/dev/null
openssl verify -CAfile anchors.pem -untrusted pool.pem revoked.crt slow.crt \
    ocsp.crt >/dev/null
openssl verify -CAfile anchors.pem -untrusted ca2.crt alice2.crt >/dev/null
chmod 644 ./*.crl

# --- Demo realm (scripts/demo) ------------------------------------------
# bob's smart card: an ECDSA key, no UPN, so the account is named by the
# client and bound strongly by issuer and serial number (KB5014754).
cat >> ext.cnf <<CNF

[bob_ec]
$user
subjectAltName = email:bob@example.test
CNF
ec_key bob-ec
issue bob-ec ca "$subj_base/OU=Users/CN=bob-ec" bob_ec
openssl ca -config ca.db/ca.cnf -valid bob-ec.crt 2>/dev/null

# --- Verified-path cache ------------------------------------------------
# revlater: alice's logon certificate, good in the CA database when made;
# test_revocation.sh revokes it between two logons to show that a cached
# path does not skip the revocation check.
rsa_key revlater
issue revlater ca "$subj_base/OU=Users/CN=revlater" revoked
openssl ca -config ca.db/ca.cnf -valid revlater.crt 2>/dev/null

chmod 644 ./*.crt ./*.pem
touch .complete
