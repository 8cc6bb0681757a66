#!/usr/bin/env python3
"""Holds many connections to a host the way a slowloris client does, for bench/connections.

    slow_clients.py <port> <count> <status file>

Half of the connections send a partial request (request line and Host:, no blank line), half
send nothing. Once all are open the script writes "open <count>" to the status file, then
every second "closed <n> <seconds>": how many the server has closed so far and when. It
exits when every connection is closed or after 120 s.
"""
import select
import socket
import sys
import time

port, count, status_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
partial = b"GET /api/subscriptions/plans HTTP/1.1\r\nHost: bench\r\n"

sockets = []
for i in range(count):
    s = socket.create_connection(("127.0.0.1", port))
    if i % 2 == 0:
        s.sendall(partial)
    sockets.append(s)
opened = time.monotonic()
with open(status_path, "w") as f:
    f.write(f"open {count}\n")

poller = select.poll()
by_fd = {}
for s in sockets:
    poller.register(s.fileno(), select.POLLIN | select.POLLHUP | select.POLLERR)
    by_fd[s.fileno()] = s
closed = 0
last_report = 0.0
while closed < count and time.monotonic() - opened < 120:
    for fd, _ in poller.poll(200):
        s = by_fd.get(fd)
        if s is None:
            continue
        try:
            data = s.recv(4096)
        except OSError:
            data = b""
        if not data:
            poller.unregister(fd)
            del by_fd[fd]
            s.close()
            closed += 1
    now = time.monotonic()
    if now - last_report >= 1.0 or closed == count:
        last_report = now
        with open(status_path, "a") as f:
            f.write(f"closed {closed} {now - opened:.1f}\n")
