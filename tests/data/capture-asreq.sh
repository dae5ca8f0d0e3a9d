#!/bin/sh
# capture-asreq.sh - record AS-REQ messages sent by MIT kinit, for the ASN.1
# unit tests.  A tiny listener on 127.0.0.1 stores the first request it gets
# and never answers; kinit times out, which is expected.
#
# Usage: tests/data/capture-asreq.sh [outdir]   (default: tests/data)
# Writes asreq-kinit.der (UDP), asreq-kinit-enterprise.der (kinit -E, UDP)
# and asreq-kinit-tcp.der (TCP, 4-byte length prefix stripped).
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

capture udp "$outdir/asreq-kinit.der" alice@EXAMPLE.TEST
capture udp "$outdir/asreq-kinit-enterprise.der" -E alice@corp.example@EXAMPLE.TEST
capture tcp "$outdir/asreq-kinit-tcp.der" alice@EXAMPLE.TEST
