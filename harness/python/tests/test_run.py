"""The measured part of a run, driven through a fake engine (a stand-in for the model)."""
import unittest

import fakes  # noqa: F401 (puts lem_harness on the path)

from lem_harness.counting import BatchCounts
from lem_harness.prompts import PromptLine, batches
from lem_harness.run import GeneratedBatch, run_workload


class FakeClock:
    """Advances 1 ms per reading, so that every interval is known exactly."""

    def __init__(self):
        self.t_ns = 10_000_000_000

    def __call__(self):
        self.t_ns += 1_000_000
        return self.t_ns


class FakeEngine:
    """Generates len(text) tokens per prompt from len(text.split()) input tokens, reads the
    clock once for its first token, and records what it was asked to do."""

    def __init__(self, clock):
        self.clock = clock
        self.calls = []

    def generate_batch(self, texts):
        self.calls.append(("generate", list(texts)))
        first = self.clock()
        return GeneratedBatch(BatchCounts([len(t.split()) for t in texts], [len(t) for t in texts]), first)

    def synchronize(self):
        self.calls.append(("synchronize",))

    def facts(self):
        return {"engine": "fake", "batch_size": 2}


class RecordingWriter:
    def __init__(self):
        self.events = []

    def send(self, event):
        self.events.append(event)


PROMPTS = [PromptLine("a", "one"), PromptLine("b", "two words"), PromptLine("c", "three more words")]


class RunWorkload(unittest.TestCase):
    def run_it(self, warmup_batches):
        clock = FakeClock()
        engine, writer = FakeEngine(clock), RecordingWriter()
        run_workload(engine, writer, batches(PROMPTS, 2), warmup_batches, clock=clock, log=lambda _: None)
        return engine, writer.events

    def test_events_come_in_protocol_order_and_warmup_is_not_reported(self):
        _, events = self.run_it(warmup_batches=3)
        self.assertEqual(
            [e["event"] for e in events],
            ["ready", "window_start", "batch", "request", "request", "batch", "request", "window_end", "result"],
        )

    def test_warmup_runs_before_the_window_and_the_accelerator_is_idle_when_it_opens(self):
        engine, _ = self.run_it(warmup_batches=3)
        self.assertEqual(
            engine.calls[:5],
            [
                ("generate", ["one", "two words"]),
                ("generate", ["three more words"]),
                ("generate", ["one", "two words"]),
                ("synchronize",),
                ("generate", ["one", "two words"]),
            ],
        )

    def test_timing_of_a_batch_is_from_its_start_to_first_token_and_to_its_end(self):
        _, events = self.run_it(warmup_batches=0)
        # Clock readings 1 ms apart: window_start, batch start, first token, batch end, ...
        start_ns = int(events[1]["t_ns"]) + 1_000_000
        self.assertEqual(events[2], {"event": "batch", "index": 0, "size": 2, "input_tokens": 3, "output_tokens": 12, "ttft_ns": 1_000_000, "latency_ns": 2_000_000})
        self.assertEqual(events[3], {"event": "request", "prompt_id": "a", "input_tokens": 1, "output_tokens": 3, "ttft_ns": 1_000_000, "latency_ns": 2_000_000, "start_ns": str(start_ns)})
        self.assertEqual(events[6]["output_tokens"], 16)

    def test_the_window_encloses_every_batch(self):
        _, events = self.run_it(warmup_batches=0)
        start, end = int(events[1]["t_ns"]), int(events[7]["t_ns"])
        for e in events[2:7]:
            if e["event"] == "request":
                self.assertTrue(start < int(e["start_ns"]) and int(e["start_ns"]) + e["latency_ns"] < end)

    def test_the_result_holds_the_engine_facts_and_the_counts(self):
        _, events = self.run_it(warmup_batches=1)
        self.assertEqual(events[-1], {"event": "result", "engine": "fake", "batch_size": 2, "prompts": 3, "batches": 2, "warmup_batches": 1})


if __name__ == "__main__":
    unittest.main()
