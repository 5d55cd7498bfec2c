"""lem's child protocol for Python programs lem measures (docs/protocol.md), standard library only.

    from lem_protocol import Channel, now_ns, prompts

    lem = Channel()                      # fd 3, or the file LEM_PROTOCOL_PATH names
    lem.ready()                          # the model is loaded
    with lem.window():                   # window_start ... window_end, CLOCK_MONOTONIC
        for prompt in prompts():
            start = now_ns()
            ...                          # generate
            lem.request(input_tokens=12, output_tokens=32, ttft_ns=first - start, latency_ns=now_ns() - start)
    lem.result(engine="mine", engine_version="1.0")

Started by hand (no fd 3, no LEM_PROTOCOL_PATH) the channel is not connected and every call
does nothing, so the same program runs with or without lem.
"""
from __future__ import annotations

import contextlib
import json
import os
import time
from typing import Iterator, List, Optional

__all__ = ["Channel", "now_ns", "prompts", "warmup_requests", "PROTOCOL_FD"]

PROTOCOL_FD = 3


def now_ns() -> int:
    """CLOCK_MONOTONIC nanoseconds: the clock of lem's sampler."""
    return time.monotonic_ns()


def prompts(default: Optional[List[str]] = None) -> List[str]:
    """The prompts lem gives (LEM_PROMPTS_FILE, one JSON object with "prompt" per line), else `default`."""
    path = os.environ.get("LEM_PROMPTS_FILE")
    if not path:
        return list(default or [])
    with open(path, encoding="utf-8") as f:
        return [json.loads(line)["prompt"] for line in f if line.strip()]


def warmup_requests(default: int = 1) -> int:
    """How many warm-up requests lem asks for before the window (LEM_WARMUP_REQUESTS)."""
    value = os.environ.get("LEM_WARMUP_REQUESTS")
    return int(value) if value else default


class Channel:
    """Writes protocol events, one JSON line each, unbuffered (each reaches lem at once)."""

    def __init__(self, fd: Optional[int] = None, path: Optional[str] = None) -> None:
        path = path if path is not None else (os.environ.get("LEM_PROTOCOL_PATH") if fd is None else None)
        self._owns_fd = False
        self.fd: Optional[int]
        if path:
            self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            self._owns_fd = True
        else:
            self.fd = PROTOCOL_FD if fd is None else fd
            try:
                os.fstat(self.fd)
            except OSError:
                self.fd = None  # not started by lem

    @property
    def connected(self) -> bool:
        return self.fd is not None

    def send(self, event: str, **fields: object) -> None:
        if self.fd is None:
            return
        data = (json.dumps({"event": event, **fields}, separators=(",", ":"), allow_nan=False) + "\n").encode("utf-8")
        while data:  # a pipe may take part of a long line
            data = data[os.write(self.fd, data):]

    def ready(self) -> None:
        self.send("ready")

    def window_start(self, t_ns: Optional[int] = None) -> None:
        self.send("window_start", t_ns=str(now_ns() if t_ns is None else t_ns))

    def window_end(self, t_ns: Optional[int] = None) -> None:
        self.send("window_end", t_ns=str(now_ns() if t_ns is None else t_ns))

    @contextlib.contextmanager
    def window(self) -> Iterator["Channel"]:
        """The measurement window around a block; it ends even when the block raises."""
        self.window_start()
        try:
            yield self
        finally:
            self.window_end()

    def request(self, input_tokens: int, output_tokens: int, ttft_ns: Optional[int] = None, latency_ns: Optional[int] = None, **fields: object) -> None:
        timing = {k: v for k, v in (("ttft_ns", ttft_ns), ("latency_ns", latency_ns)) if v is not None}
        self.send("request", input_tokens=input_tokens, output_tokens=output_tokens, **timing, **fields)

    def result(self, **facts: object) -> None:
        self.send("result", **facts)

    def error(self, message: str) -> None:
        self.send("error", message=message)

    def close(self) -> None:
        if self._owns_fd and self.fd is not None:
            os.close(self.fd)
        self.fd = None
