"""GET one object over a raw HTTP/1.1 connection, reading the body with
recv_into 4 MiB at a time, and print MB/s (bytes / time from the request
to the last byte, as curl's speed_download). curl reads 100 KiB per recv:
over loopback that alone caps a transfer near 1.5-2 GB/s on these cores,
below what stackd sends (bench/README.md, object).
usage: getraw.py URL TOKEN"""
import socket
import sys
import time
from urllib.parse import urlsplit

BUF = 4 << 20


def main():
    url, token = urlsplit(sys.argv[1]), sys.argv[2]
    s = socket.create_connection((url.hostname, url.port))
    t = time.perf_counter()
    s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nX-Auth-Token: %s\r\nConnection: close\r\n\r\n"
               % (url.path, url.netloc, token)).encode())
    buf = bytearray(BUF)
    view = memoryview(buf)
    head = b""
    while b"\r\n\r\n" not in head:
        n = s.recv_into(view)
        if n == 0:
            sys.exit("connection closed in the headers")
        head += bytes(view[:n])
    head, _, got = head.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    if lines[0].split()[1] != "200":
        sys.exit("GET answered " + lines[0])
    length = next(int(l.split(":", 1)[1]) for l in lines[1:]
                  if l.lower().startswith("content-length:"))
    left = length - len(got)
    while left > 0:
        n = s.recv_into(view)
        if n == 0:
            sys.exit("connection closed with %d bytes left" % left)
        left -= n
    wall = time.perf_counter() - t
    print("%.0f" % (length / wall / 1e6))


main()
