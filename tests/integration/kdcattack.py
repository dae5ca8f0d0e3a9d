#!/usr/bin/env python3
"""kdcattack - hostile clients for the integration tests (test_hostile.sh).

Every attack binds its sockets to a chosen loopback source address (SRC,
e.g. 127.0.0.12), so the test can count the KDC's log lines about that
source.  Each prints one summary line the shell test can grep.

    garbage HOST PORT SRC COUNT        COUNT random datagrams (some with a
                                       Kerberos-looking first octet)
    hold HOST PORT SRC N SECONDS MODE  keep N TCP connections open for
                                       SECONDS, re-opening those the KDC
                                       closes; MODE idle (connect only) or
                                       slow (a length prefix, then one
                                       octet a second: slowloris)
    biglen HOST PORT SRC COUNT         COUNT connections announcing 2^31
                                       octets
    nested HOST PORT SRC DEPTH PROTO [COUNT]
                                       an AS-REQ whose body is DEPTH nested
                                       SEQUENCEs (PROTO udp or tcp); COUNT
                                       of them over UDP, the last answer
                                       shown
    huge HOST PORT SRC SIZE KIND       a TCP AS-REQ of about SIZE octets:
                                       KIND blob (one big OCTET STRING) or
                                       many (a huge list of tiny INTEGERs)
    pkreq HOST PORT SRC CERT KEY EXTRA [REALM]
                                       a PKINIT AS-REQ over TCP signed with
                                       CERT/KEY whose CMS also carries every
                                       certificate in the PEM file EXTRA
                                       (built with openssl cms)
"""
import hashlib
import os
import random
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kdcprobe import (ctx, der_len, describe, gstring, integer, principal,  # noqa: E402
                      read_framed, seq, tlv)


def conn(host, port, src, timeout=5):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((src, 0))
    s.connect((host, int(port)))
    return s


def framed(msg):
    return struct.pack(">I", len(msg)) + msg


def exchange(host, port, src, msg, timeout=10):
    """Send one framed message; describe the reply and the time taken."""
    t0 = time.time()
    s = conn(host, port, src, timeout)
    try:
        s.sendall(framed(msg))
        r = read_framed(s)
        out = "closed" if r is None else describe(r)
    except socket.timeout:
        out = "timeout"
    except (ConnectionResetError, BrokenPipeError):
        out = "closed"
    finally:
        s.close()
    return out, int((time.time() - t0) * 1000)


def req_body(realm="EXAMPLE.TEST", nonce=123456789, etypes=(18, 17)):
    return seq(
        ctx(0, tlv(0x03, b"\x00\x00\x00\x00\x10")),
        ctx(1, principal(1, "alice")),
        ctx(2, gstring(realm)),
        ctx(3, principal(2, "krbtgt", realm)),
        ctx(5, tlv(0x18, b"20370913024805Z")),
        ctx(7, integer(nonce)),
        ctx(8, seq(*[integer(e) for e in etypes])),
    )


def as_req(body, padata=b""):
    return tlv(0x6A, seq(ctx(1, integer(5)), ctx(2, integer(10)), padata,
                         ctx(4, body)))


def cmd_garbage(host, port, src, count):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    rnd = random.Random(4556)
    t0 = time.time()
    for i in range(int(count)):
        n = rnd.randint(1, 1400)
        b = bytearray(rnd.getrandbits(8) for _ in range(n))
        if i % 3 == 0:
            b[0] = 0x6A          # looks like an AS-REQ at first sight
        s.sendto(bytes(b), (host, int(port)))
    # Anything sent back would be a reflection: there must be nothing.
    s.settimeout(0.5)
    replies = 0
    try:
        while True:
            s.recv(65536)
            replies += 1
    except socket.timeout:
        pass
    print("sent %s datagrams in %d ms, replies=%d" %
          (count, int((time.time() - t0) * 1000), replies))


def cmd_hold(host, port, src, n, seconds, mode):
    n = int(n)
    deadline = time.time() + float(seconds)
    socks = []
    opened = closed = 0
    last_tick = 0.0
    while time.time() < deadline:
        while len(socks) < n and time.time() < deadline:
            try:
                s = conn(host, port, src, 2)
            except OSError:
                time.sleep(0.05)
                continue
            s.setblocking(False)
            if mode == "slow":
                s.send(struct.pack(">I", 4000))
            socks.append(s)
            opened += 1
        now = time.time()
        tick = mode == "slow" and now - last_tick >= 1.0
        if tick:
            last_tick = now
        alive = []
        for s in socks:
            try:
                if s.recv(4096) == b"":
                    raise ConnectionResetError
                # A reply (FIELD_TOOLONG or so) is fine; keep holding.
                alive.append(s)
            except BlockingIOError:
                if tick:
                    try:
                        s.send(b"\x30")
                    except OSError:
                        s.close()
                        closed += 1
                        continue
                alive.append(s)
            except OSError:
                s.close()
                closed += 1
        socks = alive
        time.sleep(0.05)
    for s in socks:
        s.close()
    print("held %d connections (%s): opened=%d closed-by-kdc=%d" %
          (n, mode, opened, closed))


def cmd_biglen(host, port, src, count):
    answers = {}
    for _ in range(int(count)):
        s = conn(host, port, src)
        try:
            s.sendall(struct.pack(">I", 0x80000000) + b"\x6a\x00")
            r = read_framed(s)
            out = "closed" if r is None else describe(r).split(" e-text")[0]
        except socket.timeout:
            out = "timeout"
        except (ConnectionResetError, BrokenPipeError):
            out = "closed"
        s.close()
        answers[out] = answers.get(out, 0) + 1
    print("biglen " + " ".join("%s x%d" % (k, v) for k, v in sorted(answers.items())))


def nested_req(depth):
    inner = b"\x02\x01\x05"
    for _ in range(int(depth)):
        inner = tlv(0x30, inner)
    return tlv(0x6A, seq(ctx(1, integer(5)), ctx(2, integer(10)), ctx(4, inner)))


def cmd_nested(host, port, src, depth, proto, count="1"):
    msg = nested_req(depth)
    if proto == "udp":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((src, 0))
        s.settimeout(3)
        t0 = time.time()
        for _ in range(int(count)):
            s.sendto(msg, (host, int(port)))
            try:
                out = describe(s.recv(65536))
            except socket.timeout:
                out = "timeout"
        print("nested depth=%s len=%d %s ms=%d" %
              (depth, len(msg), out, int((time.time() - t0) * 1000)))
        return
    out, ms = exchange(host, port, src, msg)
    print("nested depth=%s len=%d %s ms=%d" % (depth, len(msg), out, ms))


def cmd_huge(host, port, src, size, kind):
    size = int(size)
    if kind == "blob":
        pad = ctx(3, seq(seq(ctx(1, integer(149)), ctx(2, tlv(0x04, b"x" * (size - 300))))))
        msg = as_req(req_body(), pad)
    else:
        # Three octets per INTEGER: about size/3 etypes to decode.
        msg = as_req(req_body(etypes=[17] * ((size - 300) // 3)))
    out, ms = exchange(host, port, src, msg, timeout=20)
    print("huge kind=%s len=%d %s ms=%d" % (kind, len(msg), out, ms))


def cmd_pkreq(host, port, src, cert, key, extra, realm="EXAMPLE.TEST"):
    nonce = random.randint(1, 0x7FFFFFFF)
    body = req_body(realm, nonce)
    now = time.gmtime()
    pkauth = seq(
        ctx(0, integer(random.randint(0, 999999))),                    # cusec
        ctx(1, tlv(0x18, time.strftime("%Y%m%d%H%M%SZ", now).encode())),  # ctime
        ctx(2, integer(nonce)),                                        # nonce
        ctx(3, tlv(0x04, hashlib.sha1(body).digest())),                # paChecksum
    )
    # No clientPublicValue: the KDC answers with RSA key transport.
    auth_pack = seq(ctx(0, pkauth))
    with tempfile.TemporaryDirectory() as d:
        ap = os.path.join(d, "ap.der")
        sd = os.path.join(d, "sd.der")
        with open(ap, "wb") as f:
            f.write(auth_pack)
        cmd = ["openssl", "cms", "-sign", "-binary", "-nodetach", "-nosmimecap",
               "-outform", "DER", "-econtent_type", "1.3.6.1.5.2.3.1",
               "-md", "sha256", "-signer", cert, "-inkey", key,
               "-in", ap, "-out", sd]
        if extra != "-":
            cmd[3:3] = ["-certfile", extra]
        subprocess.run(cmd, check=True)
        with open(sd, "rb") as f:
            signed = f.read()
    pa_pk = seq(tlv(0x80, signed))            # [0] IMPLICIT signedAuthPack
    padata = ctx(3, seq(seq(ctx(1, integer(16)), ctx(2, tlv(0x04, pa_pk)))))
    msg = as_req(body, padata)
    out, ms = exchange(host, port, src, msg, timeout=30)
    print("pkreq len=%d %s ms=%d" % (len(msg), out, ms))


def main(argv):
    cmds = {"garbage": cmd_garbage, "hold": cmd_hold, "biglen": cmd_biglen,
            "nested": cmd_nested, "huge": cmd_huge, "pkreq": cmd_pkreq}
    if len(argv) < 2 or argv[1] not in cmds:
        print(__doc__, file=sys.stderr)
        return 2
    cmds[argv[1]](*argv[2:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
