"""The child protocol as the harness writes it, and the harness failing before it loads anything."""
import json
import os
import subprocess
import sys
import tempfile
import threading
import unittest

import fakes  # noqa: F401 (puts lem_harness on the path)

from lem_harness.errors import HarnessError
from lem_harness.protocol import batch_events, mark, open_writer

HARNESS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lem_transformers.py")
_scratch = tempfile.TemporaryDirectory(prefix="lem-protocol-")


def tearDownModule():
    _scratch.cleanup()


def read_all(fd: int) -> str:
    chunks = []
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            return b"".join(chunks).decode("utf-8")
        chunks.append(chunk)


def events_of(text: str):
    return [json.loads(line) for line in text.splitlines()]


class Writer(unittest.TestCase):
    def test_each_event_is_one_json_line_on_the_descriptor(self):
        r, w = os.pipe()
        writer = open_writer(w)
        writer.send({"event": "ready"})
        writer.send(mark("window_start", 123456789012345678))
        os.close(w)
        self.assertEqual(read_all(r), '{"event":"ready"}\n{"event":"window_start","t_ns":"123456789012345678"}\n')
        os.close(r)

    def test_a_line_larger_than_a_pipe_buffer_arrives_whole(self):
        r, w = os.pipe()
        writer = open_writer(w)
        big = "x" * 300_000  # beyond Linux's 64 KiB pipe buffer: written in parts
        out = []
        reader = threading.Thread(target=lambda: out.append(read_all(r)))
        reader.start()
        writer.send({"event": "result", "note": big})
        os.close(w)
        reader.join()
        self.assertEqual(events_of(out[0]), [{"event": "result", "note": big}])
        os.close(r)

    def test_a_path_target_is_appended_to(self):
        path = os.path.join(_scratch.name, "appended-events")
        for event in ("ready", "window_end"):
            writer = open_writer(path)
            writer.send({"event": event})
            writer.close()
        with open(path, encoding="utf-8") as f:
            self.assertEqual(events_of(f.read()), [{"event": "ready"}, {"event": "window_end"}])

    def test_a_path_that_cannot_be_opened_says_what_to_do(self):
        with self.assertRaisesRegex(HarnessError, "cannot open the protocol file LEM_PROTOCOL_PATH='/nonexistent/dir/events'"):
            open_writer("/nonexistent/dir/events")


class BatchEvents(unittest.TestCase):
    def test_one_batch_event_then_one_request_per_prompt_with_the_batch_timing(self):
        events = batch_events(4, ["p1", "p2"], [12, 7], [30, 5], start_ns=1_000, ttft_ns=40_000_000, latency_ns=900_000_000)
        self.assertEqual(
            events,
            [
                {"event": "batch", "index": 4, "size": 2, "input_tokens": 19, "output_tokens": 35, "ttft_ns": 40_000_000, "latency_ns": 900_000_000},
                {"event": "request", "prompt_id": "p1", "input_tokens": 12, "output_tokens": 30, "ttft_ns": 40_000_000, "latency_ns": 900_000_000, "start_ns": "1000"},
                {"event": "request", "prompt_id": "p2", "input_tokens": 7, "output_tokens": 5, "ttft_ns": 40_000_000, "latency_ns": 900_000_000, "start_ns": "1000"},
            ],
        )

    def test_without_a_first_token_time_ttft_is_left_out(self):
        self.assertNotIn("ttft_ns", batch_events(0, ["p"], [1], [0], 0, None, 5)[1])


class HarnessWithoutTorch(unittest.TestCase):
    """The harness started by a Python lacking torch: `-S` leaves site-packages off the path, so
    this holds even where this Python has torch installed."""

    def run_harness(self, extra_args, env_extra=None, prompts='{"id": "a", "prompt": "hi"}\n'):
        fd, prompts_path = tempfile.mkstemp(suffix=".jsonl", dir=_scratch.name)
        with os.fdopen(fd, "w") as f:
            f.write(prompts)
        r, w = os.pipe()
        env = {k: v for k, v in os.environ.items() if not k.startswith("LEM_")}
        env.update(env_extra or {})
        proc = subprocess.Popen(
            [sys.executable, "-S", HARNESS, "--model", "sshleifer/tiny-gpt2", "--prompts-file", prompts_path, "--protocol-fd", str(w)]
            + extra_args,
            pass_fds=(w,),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        os.close(w)
        protocol = read_all(r)
        os.close(r)
        _, stderr = proc.communicate(timeout=60)
        return proc.returncode, events_of(protocol), stderr.decode("utf-8")

    def test_it_sends_the_error_event_naming_the_python_and_the_pip_command_and_exits_2(self):
        code, events, stderr = self.run_harness([])
        self.assertEqual(code, 2)
        self.assertEqual([e["event"] for e in events], ["error"])
        message = events[0]["message"]
        self.assertIn(f"the Python at {sys.executable} (Python ", message)
        self.assertIn("lacks torch, transformers and accelerate", message)
        self.assertIn(f"{sys.executable} -m pip install torch transformers accelerate", message)
        self.assertIn(message, stderr)  # the run's log says it too

    def test_without_a_device_map_accelerate_is_not_needed(self):
        _, events, _ = self.run_harness(["--device-map", "none"])
        self.assertIn("lacks torch and transformers.", events[0]["message"])

    def test_lem_protocol_path_wins_over_the_descriptor(self):
        path = os.path.join(_scratch.name, "path-events")
        code, events, _ = self.run_harness([], {"LEM_PROTOCOL_PATH": path})
        self.assertEqual((code, events), (2, []))
        with open(path, encoding="utf-8") as f:
            self.assertEqual([e["event"] for e in events_of(f.read())], ["error"])

    def test_a_bad_prompts_file_is_reported_before_any_package_is_looked_for(self):
        code, events, _ = self.run_harness([], prompts="not json\n")
        self.assertEqual(code, 2)
        self.assertRegex(events[0]["message"], r"line 1 is not JSON")

    def test_a_bad_argument_is_an_error_event_too(self):
        code, events, _ = self.run_harness(["--dtype", "int4"])
        self.assertEqual(code, 2)
        self.assertRegex(events[0]["message"], r"argument --dtype: invalid choice: 'int4'")


if __name__ == "__main__":
    unittest.main()
