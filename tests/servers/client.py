#!/usr/bin/env python3
"""A rude HTTP client for the wr-serve tests, standard library only.

    client.py raw PORT            send stdin as it is; print the status line, or "closed"
    client.py flood PORT N        N connections at once, one chat request on each;
                                  print "STATUS COUNT" lines
    client.py stall PORT N        N connections that send half a body and wait; meanwhile
                                  one whole request on a new connection: print its status
"""
import selectors
import socket
import sys

BODY = b'{"messages":[{"role":"user","content":"Rate:\\n\\ncat\\ndog"}]}'
REQUEST = (b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
           b"Content-Type: application/json\r\nConnection: close\r\n"
           b"Content-Length: " + str(len(BODY)).encode() + b"\r\n\r\n" + BODY)


def status_line(data):
    if not data:
        return "closed"
    return data.split(b"\r\n", 1)[0].decode("latin-1")


def raw(port, data):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    out = b""
    try:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
    except OSError:
        pass   # the server may close before it read everything
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    except OSError:
        pass
    s.close()
    return status_line(out)


def flood(port, n):
    sel = selectors.DefaultSelector()
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.connect(("127.0.0.1", port))
        socks.append(s)
    got = {}
    for s in socks:
        s.sendall(REQUEST)
        s.setblocking(False)
        got[s] = b""
        sel.register(s, selectors.EVENT_READ)
    left = n
    while left:
        events = sel.select(timeout=60)
        if not events:
            break
        for key, _ in events:
            s = key.fileobj
            try:
                chunk = s.recv(65536)
            except OSError:
                chunk = b""
            if chunk:
                got[s] += chunk
            else:
                sel.unregister(s)
                s.close()
                left -= 1
    counts = {}
    for data in got.values():
        st = status_line(data)
        counts[st] = counts.get(st, 0) + 1
    for st in sorted(counts):
        print(st, counts[st])


def stall(port, n):
    hung = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(REQUEST[:-len(BODY) // 2])
        hung.append(s)
    print(raw(port, REQUEST))
    for s in hung:
        s.close()


def main():
    cmd, port = sys.argv[1], int(sys.argv[2])
    if cmd == "raw":
        print(raw(port, sys.stdin.buffer.read()))
    elif cmd == "flood":
        flood(port, int(sys.argv[3]))
    elif cmd == "stall":
        stall(port, int(sys.argv[3]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
