#!/bin/sh
# Regenerate the keytab test data with MIT ktutil.
#
#   tests/data/keytab/make-keytabs.sh [OUTDIR]
#
# Writes OUTDIR/example.keytab (default: this script's directory).  Every
# key is string-to-key(password, default salt) with password
# "<first component>-pass-<kvno>", so a reader can recompute each key:
#   krbtgt/EXAMPLE.TEST@EXAMPLE.TEST  kvno 1, 2, 3   all four AES enctypes
#   HTTP/www.example.test@EXAMPLE.TEST kvno 300      aes256-sha1, aes128-sha2
#                                                    (300 needs the 32-bit kvno)
#   host/legacy.example.test@EXAMPLE.TEST kvno 7     des3-cbc-sha1, arcfour-hmac
#                                                    (kept, but not offered)
# check_keytab runs this script itself when ktutil is installed and checks
# the fresh file the same way as the committed one.
set -eu

out=${1:-$(dirname "$0")}
command -v ktutil >/dev/null 2>&1 || { echo "ktutil not found" >&2; exit 77; }
mkdir -p "$out"
kt="$out/example.keytab"
rm -f "$kt"

aes="aes128-cts-hmac-sha1-96 aes256-cts-hmac-sha1-96 \
aes128-cts-hmac-sha256-128 aes256-cts-hmac-sha384-192"

# addent PRINCIPAL KVNO ENCTYPE PASSWORD: one ktutil command and its answer.
addent() {
	printf 'addent -password -p %s -k %s -e %s\n%s\n' "$1" "$2" "$3" "$4"
}

{
	for kvno in 1 2 3; do
		for e in $aes; do
			addent krbtgt/EXAMPLE.TEST@EXAMPLE.TEST "$kvno" "$e" \
			    "krbtgt-pass-$kvno"
		done
	done
	addent HTTP/www.example.test@EXAMPLE.TEST 300 \
	    aes256-cts-hmac-sha1-96 HTTP-pass-300
	addent HTTP/www.example.test@EXAMPLE.TEST 300 \
	    aes128-cts-hmac-sha256-128 HTTP-pass-300
	addent host/legacy.example.test@EXAMPLE.TEST 7 des3-cbc-sha1 \
	    host-pass-7
	addent host/legacy.example.test@EXAMPLE.TEST 7 arcfour-hmac \
	    host-pass-7
	printf 'wkt %s\nquit\n' "$kt"
} | if command -v setsid >/dev/null 2>&1; then
	# No controlling terminal: ktutil then reads the passwords from stdin.
	setsid ktutil >/dev/null
else
	ktutil >/dev/null
fi
test -s "$kt"
