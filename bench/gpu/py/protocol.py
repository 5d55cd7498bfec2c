"""lem's child protocol (docs/protocol.md) for the kit's Python children: JSON lines on fd 3."""
import json
import os
import time

_fd = None


def emit(event, **fields):
    """Writes one protocol event; a child started without fd 3 (by hand) prints it instead."""
    global _fd
    line = json.dumps({"event": event, **fields}) + "\n"
    if _fd is None:
        try:
            os.fstat(3)
            _fd = 3
        except OSError:
            _fd = -1
    if _fd == 3:
        os.write(3, line.encode())
    else:
        print(line, end="", flush=True)


def now_ns():
    """CLOCK_MONOTONIC ns, as a string (lem's clock; exact beyond 2^53)."""
    return str(time.monotonic_ns())
