#!/usr/bin/env python3
"""A hostile HTTP(S) server on 127.0.0.1 for the wr-query tests.

    hostile.py MODE [--cert FILE --key FILE]

Prints the port it listens on, then serves until killed. MODE:
  ok         a small valid chat.completion (used behind TLS)
  huge       announces and sends a 1 GiB body
  silent     reads the request and never answers
  slow       answers one byte every 0.2 s
  badutf8    a 200 body holding invalid UTF-8
  nested     a 200 body of 100,000 '['
  midheader  sends half a status header, then closes
Standard library only.
"""
import socket
import ssl
import sys
import threading
import time

OK_BODY = (b'{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"m",'
           b'"choices":[{"index":0,"message":{"role":"assistant","content":"cat;5"},'
           b'"finish_reason":"stop"}]}')


def read_request(conn):
    """Read the head and the Content-Length body of one request; b'' at EOF."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return b""
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return b""
        body += chunk
    return head


def answer(conn, body, status=b"200 OK"):
    conn.sendall(b"HTTP/1.1 " + status + b"\r\nContent-Type: application/json\r\n"
                 b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


def serve(conn, mode):
    try:
        while read_request(conn):
            if mode == "ok":
                answer(conn, OK_BODY)
                continue
            if mode == "huge":
                n = 1 << 30
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: " + str(n).encode() + b"\r\n\r\n")
                block = b"[" * 65536
                for _ in range(n // len(block)):
                    conn.sendall(block)
            elif mode == "silent":
                while conn.recv(65536):
                    pass
            elif mode == "slow":
                msg = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                       b"Content-Length: " + str(len(OK_BODY)).encode() + b"\r\n\r\n" + OK_BODY)
                for i in range(len(msg)):
                    conn.sendall(msg[i:i + 1])
                    time.sleep(0.2)
            elif mode == "badutf8":
                answer(conn, b'{"id":"x","choices":[{"message":{"content":"cat;5 \xff\xfe\xc0\xaf"}}]}')
            elif mode == "nested":
                answer(conn, b"[" * 100000)
            elif mode == "midheader":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Ty")
            return
    except OSError:
        pass
    finally:
        try:
            conn.close()
        except OSError:
            pass


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    mode = args[0]
    ctx = None
    if "--cert" in args:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args[args.index("--cert") + 1], args[args.index("--key") + 1])
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    print(srv.getsockname()[1], flush=True)
    while True:
        conn, _ = srv.accept()
        if ctx is not None:
            try:
                conn.settimeout(10)
                conn = ctx.wrap_socket(conn, server_side=True)
                conn.settimeout(None)
            except (OSError, ssl.SSLError):
                conn.close()
                continue
        threading.Thread(target=serve, args=(conn, mode), daemon=True).start()


if __name__ == "__main__":
    main()
