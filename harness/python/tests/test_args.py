"""The harness's command line, as lem builds it."""
import unittest

import fakes  # noqa: F401 (puts lem_harness on the path)

from lem_harness.args import ArgsError, parse_args, protocol_target, warmup_batches_from_env

BASE = ["--model", "m", "--prompts-file", "p.jsonl"]


class ParseArgs(unittest.TestCase):
    def test_defaults(self):
        a = parse_args(BASE, {})
        self.assertEqual(
            (a.batch_size, a.max_new_tokens, a.max_input_tokens, a.dtype, a.device_map, a.attn_implementation),
            (1, 128, None, "auto", "auto", None),
        )
        self.assertEqual((a.temperature, a.top_p, a.seed, a.ignore_eos, a.trust_remote_code), (0.0, 1.0, 0, False, False))
        self.assertEqual((a.warmup_batches, a.protocol_fd), (0, 3))

    def test_every_option(self):
        a = parse_args(
            BASE
            + ["--batch-size", "8", "--max-new-tokens", "64", "--max-input-tokens", "512", "--dtype", "bfloat16"]
            + ["--device-map", "none", "--attn-implementation", "sdpa", "--trust-remote-code", "--temperature", "0.7"]
            + ["--top-p", "0.9", "--seed", "42", "--ignore-eos", "--warmup-batches", "2", "--protocol-fd", "5"],
            {},
        )
        self.assertEqual(
            (a.batch_size, a.max_new_tokens, a.max_input_tokens, a.dtype, a.device_map, a.attn_implementation, a.trust_remote_code),
            (8, 64, 512, "bfloat16", "none", "sdpa", True),
        )
        self.assertEqual((a.temperature, a.top_p, a.seed, a.ignore_eos, a.warmup_batches, a.protocol_fd), (0.7, 0.9, 42, True, 2, 5))

    def test_warmup_defaults_to_lem_warmup_requests_in_whole_batches(self):
        self.assertEqual(parse_args(BASE + ["--batch-size", "4"], {"LEM_WARMUP_REQUESTS": "5"}).warmup_batches, 2)
        self.assertEqual(parse_args(BASE + ["--batch-size", "4"], {"LEM_WARMUP_REQUESTS": "4"}).warmup_batches, 1)
        self.assertEqual(parse_args(BASE, {"LEM_WARMUP_REQUESTS": "0"}).warmup_batches, 0)

    def test_an_explicit_warmup_batches_wins_over_the_environment(self):
        self.assertEqual(parse_args(BASE + ["--warmup-batches", "3"], {"LEM_WARMUP_REQUESTS": "100"}).warmup_batches, 3)

    def test_a_bad_lem_warmup_requests_is_refused_by_name(self):
        with self.assertRaisesRegex(ArgsError, "LEM_WARMUP_REQUESTS must be a whole number of prompts, got '-1'"):
            warmup_batches_from_env({"LEM_WARMUP_REQUESTS": "-1"}, 1)

    def test_a_bad_value_is_an_error_not_an_exit(self):
        with self.assertRaisesRegex(ArgsError, "argument --batch-size: must be at least 1, got 0"):
            parse_args(BASE + ["--batch-size", "0"], {})
        with self.assertRaisesRegex(ArgsError, r"argument --top-p: must be in \(0, 1\], got 1.5"):
            parse_args(BASE + ["--top-p", "1.5"], {})
        with self.assertRaisesRegex(ArgsError, "argument --dtype: invalid choice: 'int8'"):
            parse_args(BASE + ["--dtype", "int8"], {})

    def test_a_missing_model_is_an_error(self):
        with self.assertRaisesRegex(ArgsError, "the following arguments are required: --model"):
            parse_args(["--prompts-file", "p.jsonl"], {})


class ProtocolTarget(unittest.TestCase):
    def test_fd_3_by_default(self):
        self.assertEqual(protocol_target(BASE, {}), 3)

    def test_protocol_fd_in_either_spelling(self):
        self.assertEqual(protocol_target(BASE + ["--protocol-fd", "7"], {}), 7)
        self.assertEqual(protocol_target(BASE + ["--protocol-fd=9"], {}), 9)

    def test_lem_protocol_path_wins_over_the_fd(self):
        self.assertEqual(protocol_target(BASE + ["--protocol-fd", "7"], {"LEM_PROTOCOL_PATH": "/run/lem/events"}), "/run/lem/events")

    def test_a_command_line_too_bad_to_parse_still_finds_its_target(self):
        self.assertEqual(protocol_target(["--batch-size", "zero", "--protocol-fd", "6"], {}), 6)


if __name__ == "__main__":
    unittest.main()
