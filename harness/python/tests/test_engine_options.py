"""What from_pretrained() and generate() are given, decided without torch."""
import unittest

import fakes  # noqa: F401 (puts lem_harness on the path)

from lem_harness.args import parse_args
from lem_harness.engine_options import dtype_keyword, generate_kwargs, model_load_kwargs

BASE = ["--model", "m", "--prompts-file", "p.jsonl"]


class LoadKwargs(unittest.TestCase):
    def test_transformers_4_56_and_later_take_dtype_earlier_ones_torch_dtype(self):
        self.assertEqual(dtype_keyword("4.55.4"), "torch_dtype")
        self.assertEqual(dtype_keyword("4.56.0"), "dtype")
        self.assertEqual(dtype_keyword("5.0.0.dev0"), "dtype")

    def test_defaults_give_auto_dtype_and_the_auto_device_map(self):
        self.assertEqual(
            model_load_kwargs(parse_args(BASE, {}), "4.57.1", "auto"),
            {"dtype": "auto", "trust_remote_code": False, "device_map": "auto"},
        )

    def test_device_map_none_is_left_out_and_attention_passed_on(self):
        a = parse_args(BASE + ["--device-map", "none", "--attn-implementation", "sdpa", "--trust-remote-code"], {})
        self.assertEqual(
            model_load_kwargs(a, "4.44.2", "<torch.bfloat16>"),
            {"torch_dtype": "<torch.bfloat16>", "trust_remote_code": True, "attn_implementation": "sdpa"},
        )


class GenerateKwargs(unittest.TestCase):
    def test_greedy_sets_the_sampling_knobs_to_neutral(self):
        self.assertEqual(
            generate_kwargs(parse_args(BASE + ["--max-new-tokens", "64"], {}), 0, frozenset([2])),
            {"max_new_tokens": 64, "pad_token_id": 0, "eos_token_id": [2], "do_sample": False, "temperature": 1.0, "top_p": 1.0, "top_k": 50},
        )

    def test_sampling_uses_temperature_and_top_p_only(self):
        kw = generate_kwargs(parse_args(BASE + ["--temperature", "0.8", "--top-p", "0.95"], {}), 0, frozenset([2]))
        self.assertEqual((kw["do_sample"], kw["temperature"], kw["top_p"], kw["top_k"]), (True, 0.8, 0.95, 0))

    def test_ignore_eos_asks_for_max_new_tokens_at_least(self):
        kw = generate_kwargs(parse_args(BASE + ["--max-new-tokens", "32", "--ignore-eos"], {}), 0, frozenset([2]))
        self.assertEqual((kw["min_new_tokens"], kw["max_new_tokens"]), (32, 32))

    def test_the_eos_ids_counted_are_the_ids_generate_stops_on(self):
        self.assertEqual(generate_kwargs(parse_args(BASE, {}), 128001, frozenset([128009, 128001]))["eos_token_id"], [128001, 128009])
        self.assertIsNone(generate_kwargs(parse_args(BASE, {}), 0, frozenset())["eos_token_id"])


if __name__ == "__main__":
    unittest.main()
