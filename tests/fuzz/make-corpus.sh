#!/bin/sh
# Regenerate the seed corpora tests/fuzz/corpus/<target>/ from the captures
# in tests/data, a PKI made by tests/integration/pki.sh, and a few values
# written out by hand below.  Needs the openssl command line tool only.
#
# usage: tests/fuzz/make-corpus.sh [OUTDIR]   (default: tests/fuzz/corpus)
#
# Seeds are named after what they hold.  Keys and certificates of the PKI
# are random, so a new run changes those seeds: commit the result.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$top/tests/fuzz/corpus}
data=$top/tests/data
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pkinit-kdc-corpus.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# ---- DER helpers ------------------------------------------------------

# Print n as one octal escape for printf.
byte() {
	# shellcheck disable=SC2059
	printf "\\$(printf '%03o' "$1")"
}

# hex HEXSTRING: the bytes it spells.
hex() {
	h=$1
	while [ -n "$h" ]; do
		rest=${h#??}
		byte "$((0x${h%"$rest"}))"
		h=$rest
	done
}

# tlv TAGHEX FILE: FILE wrapped in a DER tag and definite length.
tlv() {
	n=$(wc -c <"$2")
	hex "$1"
	if [ "$n" -lt 128 ]; then
		byte "$n"
	elif [ "$n" -lt 256 ]; then
		hex 81
		byte "$n"
	else
		hex 82
		byte "$((n / 256))"
		byte "$((n % 256))"
	fi
	cat "$2"
}

# wrap TAGHEX FILE...: the files concatenated, then wrapped.
wrap() {
	t=$1
	shift
	cat "$@" >"$tmp/wrap.in"
	tlv "$t" "$tmp/wrap.in"
}

# slice FILE OFFSET: the whole TLV at OFFSET (an `openssl asn1parse`
# offset).
slice() {
	line=$(openssl asn1parse -inform DER -in "$1" | grep "^ *$2:")
	hl=$(echo "$line" | sed 's/.*hl= *\([0-9]*\).*/\1/')
	l=$(echo "$line" | sed 's/.* l= *\([0-9]*\).*/\1/')
	dd if="$1" bs=1 skip="$2" count="$((hl + l))" 2>/dev/null
}

# content FILE OFFSET: only the contents of the TLV at OFFSET.
content() {
	line=$(openssl asn1parse -inform DER -in "$1" | grep "^ *$2:")
	hl=$(echo "$line" | sed 's/.*hl= *\([0-9]*\).*/\1/')
	l=$(echo "$line" | sed 's/.* l= *\([0-9]*\).*/\1/')
	dd if="$1" bs=1 skip="$(($2 + hl))" count="$l" 2>/dev/null
}

# padata FILE: "type offset" of each PA-DATA value of a KDC-REQ (RFC 4120
# section 5.4.1: padata [3] SEQUENCE OF PA-DATA at depth 3).
padata() {
	openssl asn1parse -inform DER -in "$1" -i | awk '
	    /:d=2 .*cont \[ 3 \]/ { inpa = 1; next }
	    /:d=2 / { inpa = 0 }
	    inpa && /:d=6 .*INTEGER/ { split($0, f, ":"); type = f[length(f)] }
	    inpa && /:d=6 .*OCTET STRING/ {
		split($0, f, ":"); print type, f[1] + 0 }'
}

# ---- Corpus directories -----------------------------------------------

rm -rf "$out"
for t in asn1_kdc_req asn1_misc pkinit_asn1 pk_cms cv_cert config keytab \
    kcrypto fresh pk_req tcp_frame dir_entry sd altsecid; do
	mkdir -p "$out/fuzz_$t"
done
kdcreq=$out/fuzz_asn1_kdc_req
misc=$out/fuzz_asn1_misc
pkasn1=$out/fuzz_pkinit_asn1
cms=$out/fuzz_pk_cms
cert=$out/fuzz_cv_cert

# ---- Kerberos requests and their padata --------------------------------

for f in asreq-kinit asreq-kinit-enterprise asreq-kinit-pkinit \
    mit-asreq-nopreauth mit-asreq-ts mit-asreq-fast mit-tgsreq; do
	cp "$data/$f.der" "$kdcreq/$f.der"
	padata "$data/$f.der" | while read -r type off; do
		type=$((0x$type))
		v=$tmp/pa-$f-$type.der
		content "$data/$f.der" "$off" >"$v"
		[ -s "$v" ] || continue
		case $type in
		16)	cp "$v" "$pkasn1/pa-pk-as-req-$f.der" ;;
		*)	cp "$v" "$misc/pa$type-$f.der" ;;
		esac
	done
done
cp "$data/pki/mit-1.20/as-req.der" "$kdcreq/asreq-kinit-pkinit-mit120.der"

# KRB-ERROR and its e-data (METHOD-DATA with ETYPE-INFO2 and friends).
cp "$data/mit-error-preauth.der" "$misc/krb-error-preauth.der"
off=$(openssl asn1parse -inform DER -in "$data/mit-error-preauth.der" -i |
    awk '/:d=3 .*OCTET STRING/ { split($0, f, ":"); print f[1] + 0; exit }')
content "$data/mit-error-preauth.der" "$off" >"$misc/method-data-preauth.der"

# The AS-REQ req-body as the body of a KrbFastReq (RFC 6113 section 5.4.2):
# fast-options [0], padata [1] with a PA-PAC-REQUEST, req-body [2].
hex 3005a0030101ff >"$misc/pac-request.der"
off=$(openssl asn1parse -inform DER -in "$data/asreq-kinit.der" -i |
    awk '/:d=2 .*cont \[ 4 \]/ { split($0, f, ":"); print f[1] + 0; exit }')
content "$data/asreq-kinit.der" "$off" >"$tmp/body"
hex a00703050000000000 >"$tmp/fopt"
{ hex a10402020080a2090407; cat "$misc/pac-request.der"; } >"$tmp/pa"
wrap 30 "$tmp/pa" >"$tmp/pa1"
wrap 30 "$tmp/pa1" >"$tmp/md"
wrap a1 "$tmp/md" >"$tmp/md1"
wrap a2 "$tmp/body" >"$tmp/body2"
wrap 30 "$tmp/fopt" "$tmp/md1" "$tmp/body2" >"$misc/fast-req.der"

# PA-ENC-TS-ENC { patimestamp, pausec } and an Authenticator / EncTicketPart
# for alice@EXAMPLE.TEST, as they look once decrypted.
time=180f32303236313132313232343635375a      # "20261121224657Z"
hex "a011${time}a10502030b2e1c" >"$tmp/ts"
wrap 30 "$tmp/ts" >"$misc/pa-enc-ts-enc.der"
# EncryptionKey { aes256-cts-hmac-sha1-96, 32 bytes }
hex 0420000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f \
    >"$tmp/kv"
{ hex a003020112; wrap a1 "$tmp/kv"; } >"$tmp/k"
wrap 30 "$tmp/k" >"$tmp/enckey"
hex a10e1b0c4558414d504c452e54455354 >"$tmp/realm"
hex 3010a003020101a10930071b05616c696365 >"$tmp/alice"
{
	hex a003020105                  # authenticator-vno [0] 5
	cat "$tmp/realm"                # crealm [1]
	wrap a2 "$tmp/alice"
	hex a4050203040b2e              # cusec [4]
	hex "a511$time"                 # ctime [5]
	wrap a6 "$tmp/enckey"           # subkey [6]
	hex a7060204075bcd15            # seq-number [7]
} >"$tmp/auth"
wrap 30 "$tmp/auth" >"$tmp/auth1"
wrap 62 "$tmp/auth1" >"$misc/authenticator.der"
{
	hex a00703050040e10000          # flags [0]
	wrap a1 "$tmp/enckey"           # key [1]
	hex a20e1b0c4558414d504c452e54455354    # crealm [2]
	wrap a3 "$tmp/alice"            # cname [3]
	hex a40b3009a003020101a1020400  # transited [4]
	hex "a511$time"                 # authtime [5]
	hex a711180f32303236313132323038343635375a      # endtime [7]
} >"$tmp/etp"
wrap 30 "$tmp/etp" >"$tmp/etp1"
wrap 63 "$tmp/etp1" >"$misc/enc-ticket-part.der"

# Principal names in text form.
printf 'alice@EXAMPLE.TEST' >"$misc/princ-alice.txt"
printf 'krbtgt/EXAMPLE.TEST@EXAMPLE.TEST' >"$misc/princ-krbtgt.txt"
printf 'we\\/ird\\@na\\\\me\\0x\\n/host@R/E' >"$misc/princ-escaped.txt"

# ---- PKINIT --------------------------------------------------------------

# signedAuthPack of each capture: [0] IMPLICIT at the start of PA-PK-AS-REQ.
for f in "$pkasn1"/pa-pk-as-req-*.der; do
	n=${f##*/pa-pk-as-req-}
	content "$f" 4 >"$cms/signedauthpack-$n"
done
cp "$data/pki/mit-1.20/signedauthpack.der" "$cms/signedauthpack-mit120.der"

# Its eContent (the AuthPack), clientPublicValue and domain parameters.
sap=$cms/signedauthpack-asreq-kinit-pkinit.der
openssl cms -verify -noverify -inform DER -in "$sap" -binary \
    -out "$pkasn1/authpack.der" 2>/dev/null
ap=$pkasn1/authpack.der
off=$(openssl asn1parse -inform DER -in "$ap" -i |
    awk '/:d=1 .*cont \[ 1 \]/ { split($0, f, ":"); print f[1] + 0; exit }')
content "$ap" "$off" >"$cms/spki-modp2048.der"
spki=$cms/spki-modp2048.der
slice "$spki" 4 >"$tmp/algid"
wrap 30 "$tmp/algid" >"$pkasn1/td-dh-parameters.der"
off=$(openssl asn1parse -inform DER -in "$spki" -i |
    awk '/:d=2 .*SEQUENCE/ { split($0, f, ":"); print f[1] + 0; exit }')
slice "$spki" "$off" >"$pkasn1/domain-params-modp2048.der"

# KRB5PrincipalName alice@EXAMPLE.TEST (RFC 4556 section 3.2.2).
{ hex a00e1b0c4558414d504c452e54455354; wrap a1 "$tmp/alice"; } >"$tmp/kpn"
wrap 30 "$tmp/kpn" >"$pkasn1/krb5-principal-name.der"

# ExternalPrincipalIdentifier list: a subjectKeyIdentifier and a name.
hex 301f300982070102030405060730128010300e310c300a06035504030c03434121 \
    >"$pkasn1/epi-list.der"

# TD-CERT-DIGEST-ALGORITHMS-DATA: sha256 allowed, sha1 rejected.
hex 300b0609608648016503040201 >"$tmp/sha256"
hex 300706052b0e03021a >"$tmp/sha1"
wrap 30 "$tmp/sha256" >"$tmp/allowed"
{ wrap a0 "$tmp/allowed"; wrap a1 "$tmp/sha1"; } >"$tmp/tcd"
wrap 30 "$tmp/tcd" >"$pkasn1/td-cert-digest.der"

# Reply side: KDCDHKeyInfo, ReplyKeyPack, both PA-PK-AS-REP choices.
{
	hex a0080306000203010001        # subjectPublicKey [0]: INTEGER 65537
	hex a1060204075bcd15            # nonce [1]
	hex "a211$time"                 # dhKeyExpiration [2]
} >"$tmp/dki"
wrap 30 "$tmp/dki" >"$pkasn1/kdc-dh-key-info.der"
hex 3016a003020110a10f040d000102030405060708090a0b0c >"$tmp/cksum"
{ wrap a0 "$tmp/enckey"; wrap a1 "$tmp/cksum"; } >"$tmp/rkp"
wrap 30 "$tmp/rkp" >"$pkasn1/reply-key-pack.der"
wrap 80 "$data/pki/mit-1.20/signedauthpack.der" >"$tmp/dhsd"
wrap 30 "$tmp/dhsd" >"$tmp/dhinfo"
wrap a0 "$tmp/dhinfo" >"$pkasn1/pa-pk-as-rep-dh.der"
hex 81083006020101020101 >"$pkasn1/pa-pk-as-rep-enckeypack.der"

# ---- Certificates and more CMS -------------------------------------------

sh "$top/tests/integration/pki.sh" "$tmp/pki" EXAMPLE.TEST >/dev/null 2>&1
for c in kdc alice alice-ec ca carol; do
	openssl x509 -in "$tmp/pki/$c.crt" -outform DER -out "$cert/$c.der"
done
openssl x509 -in "$data/pki/mit-1.20/anchor.crt" -outform DER \
    -out "$cert/anchor-mit120.der"
openssl pkcs7 -inform DER -in "$sap" -print_certs 2>/dev/null |
    openssl x509 -outform DER -out "$cert/capture-signer.der"

# The same AuthPack signed with ECDSA, without signed attributes, and with
# RSA-PSS (RFC 4556 section 3.2.1 allows all; pk_cms_verify checks each).
openssl cms -sign -in "$ap" -binary -nodetach -outform DER -md sha256 \
    -econtent_type 1.3.6.1.5.2.3.1 -signer "$tmp/pki/alice-ec.crt" \
    -inkey "$tmp/pki/alice-ec.key" -out "$cms/signedauthpack-ecdsa.der"
openssl cms -sign -in "$ap" -binary -nodetach -outform DER -md sha384 \
    -noattr -econtent_type 1.3.6.1.5.2.3.1 -signer "$tmp/pki/alice.crt" \
    -inkey "$tmp/pki/alice.key" -out "$cms/signedauthpack-noattr.der"
openssl cms -sign -in "$ap" -binary -nodetach -outform DER -md sha256 \
    -econtent_type 1.3.6.1.5.2.3.1 -signer "$tmp/pki/alice.crt" \
    -inkey "$tmp/pki/alice.key" -keyopt rsa_padding_mode:pss \
    -out "$cms/signedauthpack-pss.der"

# ECDH client public values (RFC 5349).
for c in P-256 P-384 P-521; do
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:"$c" \
	    -pkeyopt ec_param_enc:named_curve 2>/dev/null |
	    openssl pkey -pubout -outform DER -out "$cms/spki-$c.der"
done

# ---- Ciphertexts and freshness tokens ------------------------------------

# fuzz_kcrypto input: key selector, usage, ciphertext.  The
# PA-ENC-TIMESTAMP of the capture is aes256-cts-hmac-sha1-96 (selector 1),
# key usage 1, under alice's key, which the fuzzer does not hold.
kc=$out/fuzz_kcrypto
fr=$out/fuzz_fresh
ts=$misc/pa2-mit-asreq-ts.der
off=$(openssl asn1parse -inform DER -in "$ts" |
    awk '/OCTET STRING/ { split($0, f, ":"); print f[1] + 0; exit }')
{ hex 0101; content "$ts" "$off"; } >"$kc/pa-enc-timestamp"
{ hex 0002; head -c 28 /dev/zero; } >"$kc/aes128-sha1-empty"
{ hex 4b03; head -c 64 /dev/zero | tr '\0' 'K'; } >"$kc/aes256-sha2-64"

# fuzz_fresh input: version 1, kvno, enctype, ciphertext of a 16-byte
# plaintext (the shape kdc/fresh.c makes).
{ hex 010000000200000012; head -c 44 /dev/zero | tr '\0' 'F'; } \
    >"$fr/token-kvno2-aes256"
{ hex 010000000100000011; head -c 44 /dev/zero | tr '\0' 'f'; } \
    >"$fr/token-kvno1-aes128"
# Made token, byte 4 (the kvno's last octet) changed 2 -> 0: still valid.
hex 0132000402 >"$fr/made-kvno-hint-zero"

# ---- The AS-REQ as the PKINIT pipeline takes it, TCP framing ------------

pkr=$out/fuzz_pk_req
cp "$data/asreq-kinit-pkinit.der" "$pkr/asreq-kinit-pkinit.der"
cp "$data/pki/mit-1.20/as-req.der" "$pkr/asreq-kinit-pkinit-mit120.der"
cp "$pkasn1/pa-pk-as-req-asreq-kinit-pkinit.der" "$pkr/pa-pk-as-req.der"

# fuzz_tcp_frame input: limit byte (0x7f: 1016 octets; 0x80 and up:
# 256 KiB), read-size seed, then the stream.
tf=$out/fuzz_tcp_frame
prefix() {
	n=$(wc -c <"$1")
	hex 00
	byte "$((n / 65536 % 256))"
	byte "$((n / 256 % 256))"
	byte "$((n % 256))"
}
{ hex 8001; prefix "$data/asreq-kinit.der"; cat "$data/asreq-kinit.der"
  prefix "$data/mit-tgsreq.der"; cat "$data/mit-tgsreq.der"; } \
    >"$tf/two-requests"
{ hex 7f05; prefix "$data/mit-tgsreq.der"; cat "$data/mit-tgsreq.der"; } \
    >"$tf/too-long"
{ hex 8002; hex 0000000000000003616263800000106a; } >"$tf/empty-then-reserved"
{ hex 8003; prefix "$data/asreq-kinit.der"
  head -c 100 "$data/asreq-kinit.der"; } >"$tf/truncated"

# fuzz_dir_entry input: [attribute index][length][value] records, the
# index into dir_account_attrs (0 objectClass, 1 sAMAccountName, ...).
de=$out/fuzz_dir_entry
rec() {
	byte "$1"
	byte "$(printf '%s' "$2" | wc -c)"
	printf '%s' "$2"
}
sid=010500000000000515000000a065cf7e784b9b5fe77c8770b8040000
{
	rec 0 top; rec 0 person; rec 0 organizationalPerson; rec 0 user
	rec 1 alice; rec 2 alice@example.test; rec 3 66048
	rec 4 9223372036854775807; rec 5 20261121224657.0Z
	hex 061c; hex "$sid"
	rec 7 'X509:<I>DC=test,DC=example,CN=Issuing CA<S>CN=alice'
	rec 8 'CN=Domain Users,CN=Users,DC=example,DC=test'
} >"$de/user-alice"
{
	rec 0 top; rec 0 computer; rec 1 'WS1$'; rec 3 4096
	rec 4 0; rec 9 host/ws1.example.test; rec 9 HOST/WS1
	rec 10 ws1.example.test
	rec 11 'CN=Policy,CN=AuthN Policies,DC=example,DC=test'
	rec 12 'CN=Silo,CN=AuthN Silos,DC=example,DC=test'
} >"$de/computer-ws1"
{ rec 1 'a*)(uid=*'; rec 3 -1; rec 1 'b\\00'; } >"$de/filter-injection"

# ---- Security descriptors -------------------------------------------------

# SDDL as stored in msDS-*AllowedToAuthenticate* (MS-DTYP 2.5.1), and one
# binary self-relative descriptor: DACL with (A;;CR;;;WD).
sdd=$out/fuzz_sd
printf 'O:SYG:SYD:(A;;CR;;;WD)' >"$sdd/sddl-everyone"
printf 'O:SYG:SYD:(XA;OICI;CR;;;WD;(Member_of {SID(AU)}))' \
    >"$sdd/sddl-member-of"
{
	printf '%s' 'O:SYG:SYD:(XA;OICI;CR;;;WD;'
	printf '%s' '((@USER.ad://ext/AuthenticationSilo == "Silo") && '
	printf '%s' '(Device_Member_of_any {SID(DD), '
	printf '%s' 'SID(S-1-5-21-1-2-3-515)})))'
} >"$sdd/sddl-silo"
printf 'D:P(D;;CR;;;DA)(A;;GA;;;S-1-5-21-1-2-3-1104)S:(AU;SA;CR;;;WD)' \
    >"$sdd/sddl-deny-audit"
hex 01000480000000000000000000000000140000000200 >"$sdd/binary-everyone"
hex 1c00010000000000140000010000010100000000000100000000 \
    >>"$sdd/binary-everyone"
hex 01050000000000051500000001000000020000000300000050040000 \
    >"$sdd/sid-binary"
printf 'S-1-5-21-1-2-3-1104' >"$sdd/sid-text"
# Regressions: error messages quoted the text past its end when it was
# shorter than the quote and not NUL-terminated.
printf '(' >"$sdd/regress-cond-short"
printf 'x' >"$sdd/regress-sddl-short"
# ... and a membership operator compared "SID" past the end of the text.
printf 'O:SYG:YD:&& (Device_Member_of S' >"$sdd/regress-member-of-short"

# ---- altSecurityIdentities ([MS-PKCA] 3.1.5.2.1.3) -------------------------

as=$out/fuzz_altsecid
{
	printf 'X509:<I>DC=test,DC=example,CN=Example Issuing CA'
	printf '<S>DC=test,DC=example,CN=Users,CN=alice'
} >"$as/issuer-subject"
printf 'X509:<I>DC=test,DC=example,CN=Example Issuing CA<SR>0A1B2C3D4E5F' \
    >"$as/issuer-serial"
printf 'X509:<SKI>3f2a0b9c8d7e6f5a4b3c2d1e0f1a2b3c4d5e6f70' >"$as/ski"
printf 'X509:<SHA1-PUKEY>0123456789abcdef0123456789abcdef01234567' \
    >"$as/sha1"
printf 'X509:<RFC822>alice@example.test' >"$as/rfc822"
printf 'X509:<I>CN=CA\\,Inc.,O=Ex\\+ample<SID>S-1-5-21-1-2-3-1104' \
    >"$as/issuer-sid"
printf 'Kerberos:alice@EXAMPLE.TEST' >"$as/kerberos"

# ---- kdc.conf and keytabs ------------------------------------------------

cp "$data"/conf/*.conf "$out/fuzz_config/"
cp "$top/conf/kdc.conf.example" "$out/fuzz_config/kdc.conf.example"
printf '1d 2:00:00' >"$out/fuzz_config/value-duration"
printf '[::1]:88 127.0.0.1:8888 750' >"$out/fuzz_config/value-listen"
printf 'SYSLOG:INFO:AUTH' >"$out/fuzz_config/value-syslog"
printf 'FILE:/var/log/pkinit-kdc.log' >"$out/fuzz_config/value-file"
printf '256k' >"$out/fuzz_config/value-size"
cp "$data/keytab/example.keytab" "$out/fuzz_keytab/example.keytab"

du -sh "$out"
