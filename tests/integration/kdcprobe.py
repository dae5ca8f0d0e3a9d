#!/usr/bin/env python3
"""kdcprobe - a small Kerberos wire client for the integration tests.

Sends hand-built messages to a KDC over UDP or TCP (RFC 4120 section 7.2)
and prints what came back in a form the shell tests can grep:

    reply msg-type=30 error-code=60 e-text='...'
    closed            (TCP: the server closed the connection)
    timeout           (no answer)

Subcommands:
    udp HOST PORT [KIND [FILE]]     one datagram; the raw reply is also
                                    written to FILE
    tcp HOST PORT [KIND] [COUNT]    COUNT framed requests on one connection
    raw HOST PORT HEX [half]        raw octets on TCP (with "half", then
                                    shut down our sending side), and read
                                    replies until the server closes
    hold HOST PORT SECONDS          connect and stay idle; prints "open" at
                                    once and "closed" if the server closes
    notify PATH SECONDS             bind a unix datagram socket and print
                                    every message received, one per line
    freeport                        a port free for UDP and TCP on 127.0.0.1
                                    and ::1
KIND is asreq (default), tgsreq, garbage (an HTTP request line), error (a
KRB-ERROR, which is not a request) or big (an AS-REQ padded to about 3000
octets).
"""
import socket
import struct
import sys
import time


# ---- DER, just enough to build requests and read KRB-ERROR ----

def der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def tlv(tag, body):
    return bytes([tag]) + der_len(len(body)) + body


def integer(v):
    n = max(1, (v.bit_length() + 8) // 8)
    return tlv(0x02, v.to_bytes(n, "big", signed=True))


def ctx(n, body):
    return tlv(0xA0 | n, body)


def gstring(s):
    return tlv(0x1B, s.encode())


def seq(*items):
    return tlv(0x30, b"".join(items))


def principal(ntype, *comps):
    return seq(ctx(0, integer(ntype)), ctx(1, seq(*[gstring(c) for c in comps])))


def kdc_req(msg_type, realm="EXAMPLE.TEST", pad=0):
    body = seq(
        ctx(0, tlv(0x03, b"\x00\x00\x00\x00\x10")),       # kdc-options
        ctx(1, principal(1, "alice")),                    # cname
        ctx(2, gstring(realm)),                           # realm
        ctx(3, principal(2, "krbtgt", realm)),            # sname
        ctx(5, tlv(0x18, b"20370913024805Z")),            # till
        ctx(7, integer(123456789)),                       # nonce
        ctx(8, seq(integer(18), integer(17))),            # etype
    )
    padata = b""
    if pad:
        # PA-DATA with an opaque value, only to make the message large.
        padata = ctx(3, seq(seq(ctx(1, integer(149)), ctx(2, tlv(0x04, b"x" * pad)))))
    return tlv(0x60 | msg_type, seq(ctx(1, integer(5)), ctx(2, integer(msg_type)),
                                    padata, ctx(4, body)))


def build(kind):
    if kind == "asreq":
        return kdc_req(10)
    if kind == "tgsreq":
        return kdc_req(12)
    if kind == "big":
        return kdc_req(10, pad=3000)
    if kind == "garbage":
        return b"GET / HTTP/1.0\r\n\r\n"
    if kind == "error":
        return tlv(0x7E, seq(ctx(0, integer(5)), ctx(1, integer(30))))
    raise SystemExit("unknown kind " + kind)


def read_tlv(buf, off):
    tag = buf[off]
    n = buf[off + 1]
    off += 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(buf[off:off + k], "big")
        off += k
    return tag, buf[off:off + n], off + n


def describe(msg):
    """One line about a reply; KRB-ERROR fields decoded."""
    if not msg:
        return "reply empty"
    tag, body, end = read_tlv(msg, 0)
    if tag & 0xE0 != 0x60:
        return "reply not-application tag=0x%02x" % tag
    out = ["reply", "msg-type=%d" % (tag & 0x1F)]
    if end != len(msg):
        out.append("trailing=%d" % (len(msg) - end))
    if tag == 0x7E:
        _, inner, _ = read_tlv(body, 0)
        off = 0
        while off < len(inner):
            t, val, off = read_tlv(inner, off)
            field = t & 0x1F
            _, prim, _ = read_tlv(val, 0)
            if field == 6:
                out.append("error-code=%d" % int.from_bytes(prim, "big", signed=True))
            elif field == 9:
                out.append("realm=%s" % prim.decode())
            elif field == 11:
                out.append("e-text='%s'" % prim.decode())
    return " ".join(out)


def addr(host, port):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    return fam, (host, int(port))


def recv_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def read_framed(s):
    """One length-prefixed reply; None when the server closed."""
    hdr = recv_exact(s, 4)
    if hdr is None:
        return None
    (n,) = struct.unpack(">I", hdr)
    return recv_exact(s, n)


def cmd_udp(host, port, kind="asreq", outfile=None):
    fam, sa = addr(host, port)
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.sendto(build(kind), sa)
    try:
        data, src = s.recvfrom(65536)
    except socket.timeout:
        print("timeout")
        return
    if outfile:
        with open(outfile, "wb") as f:
            f.write(data)
    # The reply must come from the address we sent to.
    print(describe(data) + (" from-ok" if src[0] == sa[0] and src[1] == sa[1] else " from-other"))


def cmd_tcp(host, port, kind="asreq", count="1"):
    fam, sa = addr(host, port)
    s = socket.create_connection(sa, timeout=3)
    msg = build(kind)
    # All requests at once: the server must answer them in order.
    s.sendall(b"".join(struct.pack(">I", len(msg)) + msg for _ in range(int(count))))
    for _ in range(int(count)):
        try:
            r = read_framed(s)
        except socket.timeout:
            print("timeout")
            return
        print("closed" if r is None else describe(r))


def cmd_raw(host, port, hexdata, half=""):
    fam, sa = addr(host, port)
    s = socket.create_connection(sa, timeout=3)
    s.sendall(bytes.fromhex(hexdata))
    if half == "half":
        s.shutdown(socket.SHUT_WR)
    try:
        while True:
            r = read_framed(s)
            if r is None:
                print("closed")
                return
            print(describe(r))
    except socket.timeout:
        print("timeout")
    except ConnectionResetError:
        print("closed")


def cmd_hold(host, port, seconds):
    fam, sa = addr(host, port)
    s = socket.create_connection(sa, timeout=float(seconds))
    print("open", flush=True)
    try:
        print("closed" if s.recv(1) == b"" else "data", flush=True)
    except socket.timeout:
        print("still-open", flush=True)
    except ConnectionResetError:
        print("closed", flush=True)


def cmd_notify(path, seconds):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path if not path.startswith("@") else "\0" + path[1:])
    s.settimeout(float(seconds))
    print("listening", flush=True)
    deadline = time.time() + float(seconds)
    while time.time() < deadline:
        try:
            data = s.recv(4096)
        except socket.timeout:
            break
        print(data.decode().replace("\n", " "), flush=True)


def cmd_freeport():
    for _ in range(100):
        socks = []
        try:
            t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
            socks.append(t)
            for fam, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
                for typ in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                    if fam == socket.AF_INET and typ == socket.SOCK_STREAM:
                        continue
                    x = socket.socket(fam, typ)
                    socks.append(x)
                    x.bind((host, port))
            print(port)
            return
        except OSError:
            continue
        finally:
            for x in socks:
                x.close()
    raise SystemExit("no free port")


def main(argv):
    cmds = {"udp": cmd_udp, "tcp": cmd_tcp, "raw": cmd_raw, "hold": cmd_hold,
            "notify": cmd_notify, "freeport": cmd_freeport}
    if len(argv) < 2 or argv[1] not in cmds:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        cmds[argv[1]](*argv[2:])
    except (ConnectionRefusedError, ConnectionResetError, OSError) as e:
        print("error %s" % e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
