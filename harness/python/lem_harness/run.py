"""The measured part of a run, from `ready` to `result`, for any engine that generates batches
(the torch one in generate.py; tests use a fake)."""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Callable, Dict, Optional, Protocol, Sequence

from .counting import BatchCounts
from .prompts import PromptLine, warmup_schedule
from .protocol import ProtocolWriter, batch_events, mark

Clock = Callable[[], int]


@dataclass(frozen=True)
class GeneratedBatch:
    counts: BatchCounts
    # CLOCK_MONOTONIC ns when the first generated token existed; None if none was generated.
    first_token_ns: Optional[int]


class Engine(Protocol):
    def generate_batch(self, texts: Sequence[str]) -> GeneratedBatch: ...

    # Waits until the accelerator has finished all queued work (a no-op on the CPU).
    def synchronize(self) -> None: ...

    # Facts for the result event: engine, versions, devices, dtype, ...
    def facts(self) -> Dict[str, object]: ...


def _log(message: str) -> None:
    print(f"lem_transformers: {message}", file=sys.stderr, flush=True)


def run_workload(
    engine: Engine,
    writer: ProtocolWriter,
    workload: Sequence[Sequence[PromptLine]],
    warmup_batches: int,
    clock: Clock = time.monotonic_ns,
    log: Callable[[str], None] = _log,
) -> None:
    """ready, warm-up (not reported), window_start, a batch event and its request events per
    batch, window_end, result. The window opens and closes on a synchronized accelerator, so it
    holds the workload's GPU work and nothing else."""
    writer.send({"event": "ready"})
    warmup = warmup_schedule(workload, warmup_batches)
    for i, batch in enumerate(warmup):
        engine.generate_batch([p.text for p in batch])
        log(f"warm-up batch {i + 1}/{len(warmup)} done")
    engine.synchronize()
    writer.send(mark("window_start", clock()))
    prompts = 0
    for index, batch in enumerate(workload):
        start_ns = clock()
        out = engine.generate_batch([p.text for p in batch])
        engine.synchronize()
        end_ns = clock()
        ttft_ns = None if out.first_token_ns is None else out.first_token_ns - start_ns
        for event in batch_events(
            index, [p.id for p in batch], out.counts.input_tokens, out.counts.output_tokens, start_ns, ttft_ns, end_ns - start_ns
        ):
            writer.send(event)
        prompts += len(batch)
        log(f"batch {index + 1}/{len(workload)}: {len(batch)} prompts, {sum(out.counts.output_tokens)} tokens out")
    engine.synchronize()
    writer.send(mark("window_end", clock()))
    writer.send({"event": "result", **engine.facts(), "prompts": prompts, "batches": len(workload), "warmup_batches": len(warmup)})
