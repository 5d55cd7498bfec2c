"""What lem records as the input and output tokens of each prompt of a generated batch."""
import unittest
from types import SimpleNamespace

from fakes import FakeTokenizer, fake_generate, generation_config

from lem_harness.counting import count_batch, eos_token_ids, input_token_counts, output_token_count, token_ids

PAD, EOS = 0, 2


class InputTokens(unittest.TestCase):
    def test_left_padding_is_never_counted_as_input(self):
        tok = FakeTokenizer(pad_token_id=PAD, eos_token_id=EOS)
        batch = tok(["the quick brown fox", "hello", "one two"])
        self.assertEqual(batch["attention_mask"][1], [0, 0, 0, 1])
        self.assertEqual(input_token_counts(batch["attention_mask"]), [4, 1, 2])

    def test_padding_with_the_eos_id_is_still_not_input(self):
        tok = FakeTokenizer(pad_token_id=EOS, eos_token_id=EOS)
        batch = tok(["a b c", "d"])
        self.assertEqual(batch["input_ids"][1][:2], [EOS, EOS])
        seqs = fake_generate(batch["input_ids"], [[50, 51], [52, 53]], [EOS], EOS, 8)
        self.assertEqual(count_batch(batch["attention_mask"], seqs, frozenset([EOS])).input_tokens, [3, 1])


class OutputTokens(unittest.TestCase):
    def generate(self, continuations, pad=PAD, eos=(EOS,), max_new_tokens=8, ignore_eos=False):
        tok = FakeTokenizer(pad_token_id=pad, eos_token_id=eos[0])
        batch = tok(["a b c", "d", "e f"][: len(continuations)])
        seqs = fake_generate(batch["input_ids"], continuations, eos, pad, max_new_tokens)
        return seqs, count_batch(batch["attention_mask"], seqs, frozenset(eos), ignore_eos).output_tokens

    def test_a_row_that_ends_with_eos_then_padding_counts_the_eos_and_not_the_padding(self):
        seqs, counts = self.generate([[50, 51, EOS], [60, 61, 62, 63, 64, EOS]])
        self.assertEqual(seqs[0][3:], [50, 51, EOS, PAD, PAD, PAD])  # padded to the longest row
        self.assertEqual(counts, [3, 6])

    def test_pad_equal_to_eos_the_first_eos_after_the_prompt_ends_the_count(self):
        seqs, counts = self.generate([[50, EOS], [60, 61, 62, 63, EOS]], pad=EOS)
        self.assertEqual(seqs[0][3:], [50, EOS, EOS, EOS, EOS])
        self.assertEqual(counts, [2, 5])

    def test_any_of_several_eos_ids_ends_a_row(self):
        im_end, eot = 32000, 32001
        _, counts = self.generate([[50, im_end], [60, 61, eot], [70, 71, 72, 73]], eos=(EOS, im_end, eot), max_new_tokens=4)
        self.assertEqual(counts, [2, 3, 4])

    def test_a_row_that_never_emits_eos_counts_all_max_new_tokens(self):
        _, counts = self.generate([[50 + i for i in range(20)], [60, EOS]], max_new_tokens=16)
        self.assertEqual(counts, [16, 2])

    def test_every_row_stopping_early_shortens_the_batch_and_counts_stay_exact(self):
        seqs, counts = self.generate([[50, EOS], [60, 61, EOS]], max_new_tokens=128)
        self.assertEqual(len(seqs[0]), 3 + 3)  # the prompt width and 3 generated positions, not 128
        self.assertEqual(counts, [2, 3])

    def test_ignore_eos_counts_every_generated_position(self):
        # With --ignore-eos, generate() gets min_new_tokens = max_new_tokens: no row stops early.
        generated = [50, 51, 52, 53, 54, 55]
        self.assertEqual(output_token_count(generated, frozenset([EOS]), ignore_eos=True), 6)
        self.assertEqual(output_token_count([50, EOS, 51, 52], frozenset([EOS]), ignore_eos=True), 4)

    def test_tokens_after_the_first_eos_are_not_counted_even_when_they_are_not_padding(self):
        self.assertEqual(output_token_count([50, EOS, 77, 78], frozenset([EOS])), 2)

    def test_an_eos_inside_the_prompt_does_not_end_the_output(self):
        mask = [[1, 1, 1]]
        seqs = [[10, EOS, 11, 50, 51, EOS]]
        self.assertEqual(count_batch(mask, seqs, frozenset([EOS])).output_tokens, [3])

    def test_without_any_eos_id_every_generated_position_counts(self):
        self.assertEqual(output_token_count([50, 2, 51], frozenset()), 3)

    def test_a_sequence_shorter_than_its_prompt_is_refused(self):
        with self.assertRaisesRegex(ValueError, "fewer than the 3 of its padded prompt"):
            count_batch([[1, 1, 1]], [[10, 11]], frozenset([EOS]))


class EosIds(unittest.TestCase):
    def test_generation_config_eos_may_be_an_int(self):
        self.assertEqual(eos_token_ids(generation_config(2)), frozenset([2]))

    def test_generation_config_eos_may_be_a_list(self):
        self.assertEqual(eos_token_ids(generation_config([128001, 128008, 128009])), frozenset([128001, 128008, 128009]))

    def test_the_tokenizer_eos_is_used_when_the_generation_config_has_none(self):
        self.assertEqual(eos_token_ids(generation_config(None), SimpleNamespace(eos_token_id=50256)), frozenset([50256]))

    def test_the_generation_config_wins_over_the_tokenizer(self):
        self.assertEqual(eos_token_ids(generation_config([7, 8]), SimpleNamespace(eos_token_id=50256)), frozenset([7, 8]))

    def test_no_eos_anywhere_is_an_empty_set(self):
        self.assertEqual(eos_token_ids(generation_config(None), SimpleNamespace(eos_token_id=None)), frozenset())

    def test_a_tensor_like_value_is_read_through_tolist(self):
        self.assertEqual(token_ids(SimpleNamespace(tolist=lambda: [3, 4])), frozenset([3, 4]))

    def test_a_value_that_is_no_token_id_is_refused(self):
        with self.assertRaises(ValueError):
            token_ids("2")
        with self.assertRaises(ValueError):
            token_ids(True)


if __name__ == "__main__":
    unittest.main()
