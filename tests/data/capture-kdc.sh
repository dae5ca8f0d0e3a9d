#!/bin/sh
# capture-kdc.sh - record a password AS exchange, a TGS exchange and a FAST
# armored AS-REQ between MIT kinit/kvno and a private MIT krb5kdc on
# 127.0.0.1, for the ASN.1 unit tests.  A small UDP relay between client
# and KDC keeps every message.  Nothing here is secret: the passwords are
# "alicepw" and a random key, in a database thrown away at the end.
#
# Usage: tests/data/capture-kdc.sh [outdir]   (default: tests/data)
# Writes mit-asreq-nopreauth.der, mit-error-preauth.der, mit-asreq-ts.der,
# mit-asrep.der, mit-tgsreq.der, mit-tgsrep.der, mit-asreq-fast.der.
set -eu

outdir=${1:-$(dirname "$0")}
tmp=$(mktemp -d)
kdcpid=
relaypid=
cleanup() {
	[ -n "$relaypid" ] && kill "$relaypid" 2>/dev/null || true
	[ -n "$kdcpid" ] && kill "$kdcpid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

free_port() {
	python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

kdcport=$(free_port)
cat >"$tmp/kdc.conf" <<CONF
[kdcdefaults]
	kdc_ports = $kdcport
	kdc_tcp_listen = ""
[realms]
	EXAMPLE.TEST = {
		database_name = $tmp/principal
		key_stash_file = $tmp/stash
		acl_file = $tmp/kadm5.acl
		supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
	}
[logging]
	kdc = FILE:$tmp/kdc.log
CONF
: >"$tmp/kadm5.acl"
export KRB5_KDC_PROFILE="$tmp/kdc.conf"

# The relay: client -> relay port -> KDC, every datagram saved in order.
mkdir "$tmp/msgs"
python3 - "$kdcport" "$tmp/msgs" "$tmp/relayport" <<'PY' &
import os, socket, sys
kdcport, msgdir, portfile = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
with open(portfile + ".tmp", "w") as f:
    f.write(str(s.getsockname()[1]))
os.rename(portfile + ".tmp", portfile)
up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
up.bind(("127.0.0.1", 0))
up.settimeout(5)
n = 0
while True:
    data, peer = s.recvfrom(65536)
    n += 1
    with open(os.path.join(msgdir, "%02d-req.der" % n), "wb") as f:
        f.write(data)
    up.sendto(data, ("127.0.0.1", kdcport))
    try:
        rep, _ = up.recvfrom(65536)
    except socket.timeout:
        continue
    with open(os.path.join(msgdir, "%02d-rep.der" % n), "wb") as f:
        f.write(rep)
    s.sendto(rep, peer)
PY
relaypid=$!
i=0
while [ ! -s "$tmp/relayport" ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
relayport=$(cat "$tmp/relayport")

cat >"$tmp/krb5.conf" <<CONF
[libdefaults]
	default_realm = EXAMPLE.TEST
	dns_lookup_kdc = false
	dns_lookup_realm = false
	rdns = false
[realms]
	EXAMPLE.TEST = {
		kdc = 127.0.0.1:$relayport
	}
CONF
export KRB5_CONFIG="$tmp/krb5.conf"

kdb5_util create -s -r EXAMPLE.TEST -P masterpw >/dev/null 2>&1
kadmin.local -r EXAMPLE.TEST -q "addprinc -pw alicepw +requires_preauth alice" >/dev/null 2>&1
kadmin.local -r EXAMPLE.TEST -q "addprinc -randkey host/server.example.test" >/dev/null 2>&1
krb5kdc -n -r EXAMPLE.TEST -P "$tmp/kdc.pid" >/dev/null 2>&1 &
kdcpid=$!
sleep 1

export KRB5CCNAME="FILE:$tmp/cc"
echo alicepw | kinit alice >/dev/null
kvno host/server.example.test >/dev/null
# FAST: armor the AS-REQ with the TGT just obtained.
KRB5CCNAME="FILE:$tmp/cc2" sh -c "echo alicepw | kinit -T $tmp/cc alice" >/dev/null

ls "$tmp/msgs" >&2
m=$tmp/msgs
cp "$m/01-req.der" "$outdir/mit-asreq-nopreauth.der"
cp "$m/01-rep.der" "$outdir/mit-error-preauth.der"
cp "$m/02-req.der" "$outdir/mit-asreq-ts.der"
cp "$m/02-rep.der" "$outdir/mit-asrep.der"
cp "$m/03-req.der" "$outdir/mit-tgsreq.der"
cp "$m/03-rep.der" "$outdir/mit-tgsrep.der"
# The armored request is the last AS-REQ carrying PA-FX-FAST (136).
for f in "$m"/*-req.der; do
	if python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); sys.exit(0 if d[0]==0x6a and b"\xa1\x04\x02\x02\x00\x88" in d else 1)' "$f"; then
		cp "$f" "$outdir/mit-asreq-fast.der"
	fi
done
echo "captured into $outdir"
