#!/usr/bin/env python3
"""An HTTP server on 127.0.0.1 for the wr-query cost and key tests.

    usage.py

Prints the port it listens on, then serves until killed. Every request
gets a chat.completion whose usage reports 100 prompt tokens, 40 of them
cached, and 10 completion tokens; its content names the key headers the
request carried: "authorization=...;api-key=...;x-api-key=..." ("-" when
absent). Standard library only.
"""
import json
import socket
import threading

KEYS = ("authorization", "api-key", "x-api-key")


def read_request(conn):
    """The header lines of one request (its body read and dropped); None at EOF."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    headers = {}
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower().decode()] = value.strip().decode()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        body += chunk
    return headers


def serve(conn):
    try:
        while True:
            headers = read_request(conn)
            if headers is None:
                return
            seen = ";".join(k + "=" + headers.get(k, "-") for k in KEYS)
            body = json.dumps({
                "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "m",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": seen},
                             "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110,
                          "prompt_tokens_details": {"cached_tokens": 40}},
            }, separators=(",", ":")).encode()
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    except OSError:
        pass
    finally:
        conn.close()


def main():
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    print(srv.getsockname()[1], flush=True)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
