#!/bin/sh
# capture-asreq.sh - record AS-REQ messages sent by MIT kinit, for the ASN.1
# unit tests.  A tiny listener on 127.0.0.1 stores the first request it gets
# and never answers; kinit times out, which is expected.
#
# Usage: tests/data/capture-asreq.sh [outdir]   (default: tests/data)
# Writes asreq-kinit.der (UDP), asreq-kinit-enterprise.der (kinit -E, UDP),
# asreq-kinit-tcp.der (TCP, 4-byte length prefix stripped) and
# asreq-kinit-pkinit.der: the second request of a PKINIT exchange, after a
# KRB-ERROR asking for PA-PK-AS-REQ and carrying the freshness token
# "fresh-token" (the client certificate is made up on the spot).
set -eu

outdir=${1:-$(dirname "$0")}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

listener() {
	# $1 = udp|tcp, $2 = output file, $3 = port file
	python3 - "$1" "$2" "$3" <<'PY'
import socket, struct, sys
proto, out, portfile = sys.argv[1:4]
kind = socket.SOCK_DGRAM if proto == "udp" else socket.SOCK_STREAM
s = socket.socket(socket.AF_INET, kind)
s.bind(("127.0.0.1", 0))
s.settimeout(20)
if proto == "tcp":
    s.listen(1)
with open(portfile + ".tmp", "w") as f:
    f.write(str(s.getsockname()[1]))
import os
os.rename(portfile + ".tmp", portfile)
if proto == "udp":
    data, _ = s.recvfrom(65536)
else:
    c, _ = s.accept()
    c.settimeout(10)
    buf = b""
    while len(buf) < 4 or len(buf) < 4 + struct.unpack(">I", buf[:4])[0]:
        chunk = c.recv(65536)
        if not chunk:
            break
        buf += chunk
    n = struct.unpack(">I", buf[:4])[0]
    data = buf[4:4 + n]
    c.close()
with open(out, "wb") as f:
    f.write(data)
PY
}

capture() {
	# $1 = udp|tcp, $2 = output file, $3... = kinit arguments
	proto=$1 out=$2
	shift 2
	rm -f "$tmp/port"
	listener "$proto" "$out" "$tmp/port" &
	lpid=$!
	i=0
	while [ ! -s "$tmp/port" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	port=$(cat "$tmp/port")
	if [ "$proto" = tcp ]; then
		pref="udp_preference_limit = 1"
	else
		pref=""
	fi
	cat >"$tmp/krb5.conf" <<CONF
[libdefaults]
	default_realm = EXAMPLE.TEST
	dns_lookup_kdc = false
	dns_lookup_realm = false
	$pref
[realms]
	EXAMPLE.TEST = {
		kdc = 127.0.0.1:$port
	}
CONF
	KRB5_CONFIG=$tmp/krb5.conf KRB5CCNAME=FILE:$tmp/cc \
	    timeout 5 kinit "$@" </dev/null >/dev/null 2>&1 || true
	wait "$lpid" || true
	test -s "$out"
	echo "captured $out ($(wc -c <"$out") bytes)"
}

pkinit_listener() {
	# $1 = output file, $2 = port file.  Answers the first AS-REQ with
	# KDC_ERR_PREAUTH_REQUIRED and stores the second one.
	python3 - "$1" "$2" <<'PY'
import os, socket, sys, time
out, portfile = sys.argv[1:3]

def tlv(tag, body):
    n = len(body)
    if n < 0x80:
        hdr = bytes([n])
    else:
        lb = n.to_bytes((n.bit_length() + 7) // 8, "big")
        hdr = bytes([0x80 | len(lb)]) + lb
    return bytes([tag]) + hdr + body

def integer(v):
    return tlv(0x02, v.to_bytes((v.bit_length() + 8) // 8 or 1, "big",
                                signed=True))

def ctx(n, body):
    return tlv(0xa0 + n, body)

def gstr(s):
    return tlv(0x1b, s.encode())

def padata(t, v):
    return tlv(0x30, ctx(1, integer(t)) + ctx(2, tlv(0x04, v)))

realm = "EXAMPLE.TEST"
stime = time.strftime("%Y%m%d%H%M%SZ", time.gmtime()).encode()
method_data = tlv(0x30, padata(16, b"") + padata(150, b"fresh-token"))
sname = tlv(0x30, ctx(0, integer(2)) +
            ctx(1, tlv(0x30, gstr("krbtgt") + gstr(realm))))
err = tlv(0x7e, tlv(0x30,
    ctx(0, integer(5)) + ctx(1, integer(30)) + ctx(4, tlv(0x18, stime)) +
    ctx(5, integer(0)) + ctx(6, integer(25)) + ctx(9, gstr(realm)) +
    ctx(10, sname) + ctx(12, tlv(0x04, method_data))))

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
s.settimeout(20)
with open(portfile + ".tmp", "w") as f:
    f.write(str(s.getsockname()[1]))
os.rename(portfile + ".tmp", portfile)
data, peer = s.recvfrom(65536)
s.sendto(err, peer)
while True:
    data, peer = s.recvfrom(65536)
    if data != b"":
        break
with open(out, "wb") as f:
    f.write(data)
PY
}

capture_pkinit() {
	out=$1
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/ca.key" \
	    -out "$tmp/ca.pem" -subj "/CN=Capture CA" -days 2 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -keyout "$tmp/client.key" \
	    -out "$tmp/client.csr" -subj "/CN=alice" 2>/dev/null
	openssl x509 -req -in "$tmp/client.csr" -CA "$tmp/ca.pem" \
	    -CAkey "$tmp/ca.key" -CAcreateserial -out "$tmp/client.pem" \
	    -days 2 2>/dev/null
	rm -f "$tmp/port"
	pkinit_listener "$out" "$tmp/port" &
	lpid=$!
	i=0
	while [ ! -s "$tmp/port" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	port=$(cat "$tmp/port")
	cat >"$tmp/krb5.conf" <<CONF
[libdefaults]
	default_realm = EXAMPLE.TEST
	dns_lookup_kdc = false
	dns_lookup_realm = false
	pkinit_anchors = FILE:$tmp/ca.pem
[realms]
	EXAMPLE.TEST = {
		kdc = 127.0.0.1:$port
	}
CONF
	KRB5_CONFIG=$tmp/krb5.conf KRB5CCNAME=FILE:$tmp/cc \
	    timeout 5 kinit -X "X509_user_identity=FILE:$tmp/client.pem,$tmp/client.key" \
	    alice@EXAMPLE.TEST </dev/null >/dev/null 2>&1 || true
	wait "$lpid" || true
	test -s "$out"
	echo "captured $out ($(wc -c <"$out") bytes)"
}

capture udp "$outdir/asreq-kinit.der" alice@EXAMPLE.TEST
capture udp "$outdir/asreq-kinit-enterprise.der" -E alice@corp.example@EXAMPLE.TEST
capture tcp "$outdir/asreq-kinit-tcp.der" alice@EXAMPLE.TEST
capture_pkinit "$outdir/asreq-kinit-pkinit.der"
