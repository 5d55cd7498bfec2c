"""lem's child protocol: one JSON object per line, written as soon as it is known.

The destination is file descriptor 3 (lem opens it as a pipe), another descriptor given with
--protocol-fd, or a file or FIFO named by LEM_PROTOCOL_PATH (for containers, where an
inherited descriptor does not cross). Times on the window marks are CLOCK_MONOTONIC
nanoseconds as decimal strings, the clock lem's sampler uses.
"""
from __future__ import annotations

import json
import os
import sys
from typing import Dict, List, Optional, Sequence, Union

from .errors import HarnessError

Event = Dict[str, object]
# A path (LEM_PROTOCOL_PATH) or an inherited file descriptor.
Target = Union[str, int]


class ProtocolWriter:
    """Writes events to a file descriptor, one line each, unbuffered (each reaches lem at once)."""

    def __init__(self, fd: int, owns_fd: bool = False) -> None:
        self.fd = fd
        self._owns_fd = owns_fd

    def send(self, event: Event) -> None:
        data = (json.dumps(event, separators=(",", ":"), allow_nan=False) + "\n").encode("utf-8")
        # os.write may write part of a large line to a pipe; the rest follows.
        while data:
            written = os.write(self.fd, data)
            data = data[written:]

    def close(self) -> None:
        if self._owns_fd:
            os.close(self.fd)
            self._owns_fd = False


def open_writer(target: Target) -> ProtocolWriter:
    """The writer for a target. A descriptor that is not open (the harness run by hand, not by
    lem) sends the events to standard error instead, so that they can still be read."""
    if isinstance(target, str):
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        except OSError as e:
            raise HarnessError(
                f"lem_transformers: cannot open the protocol file LEM_PROTOCOL_PATH={target!r}: {e.strerror}. "
                "Make its directory exist and be writable, or unset LEM_PROTOCOL_PATH to use file descriptor 3."
            ) from None
        return ProtocolWriter(fd, owns_fd=True)
    try:
        os.fstat(target)
    except OSError:
        print(
            f"lem_transformers: file descriptor {target} is not open (not started by lem?): "
            "protocol events go to standard error",
            file=sys.stderr,
        )
        return ProtocolWriter(sys.stderr.fileno())
    return ProtocolWriter(target)


def mark(event: str, t_ns: int) -> Event:
    """A window mark: {"event": "window_start" | "window_end", "t_ns": "<decimal>"}."""
    return {"event": event, "t_ns": str(t_ns)}


def error_event(message: str) -> Event:
    return {"event": "error", "message": message}


def batch_events(
    index: int,
    prompt_ids: Sequence[str],
    input_tokens: Sequence[int],
    output_tokens: Sequence[int],
    start_ns: int,
    ttft_ns: Optional[int],
    latency_ns: int,
) -> List[Event]:
    """One `batch` event, then one `request` event per prompt. The prompts of a batch are
    generated together, so each request carries the batch's time to first token and latency;
    its token counts are its own."""
    if not (len(prompt_ids) == len(input_tokens) == len(output_tokens)):
        raise ValueError("one id, one input count and one output count per prompt")
    timing: Event = {"latency_ns": latency_ns} if ttft_ns is None else {"ttft_ns": ttft_ns, "latency_ns": latency_ns}
    events: List[Event] = [
        {
            "event": "batch",
            "index": index,
            "size": len(prompt_ids),
            "input_tokens": sum(input_tokens),
            "output_tokens": sum(output_tokens),
            **timing,
        }
    ]
    for prompt_id, n_in, n_out in zip(prompt_ids, input_tokens, output_tokens):
        events.append(
            {
                "event": "request",
                "prompt_id": prompt_id,
                "input_tokens": n_in,
                "output_tokens": n_out,
                **timing,
                "start_ns": str(start_ns),
            }
        )
    return events
