"""The prompts file lem writes, and the batches the harness makes of it."""
import os
import tempfile
import unittest

import fakes  # noqa: F401 (puts lem_harness on the path)

from lem_harness.errors import HarnessError
from lem_harness.prompts import PromptLine, batches, read_prompts, warmup_schedule


_scratch = tempfile.TemporaryDirectory(prefix="lem-prompts-")


def tearDownModule():
    _scratch.cleanup()


def prompts_file(text: str) -> str:
    fd, path = tempfile.mkstemp(suffix=".jsonl", dir=_scratch.name)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    return path


class ReadPrompts(unittest.TestCase):
    def test_reads_ids_and_prompts_in_file_order(self):
        path = prompts_file('{"id": "line-1", "prompt": "Hello"}\n{"id": "line-2", "prompt": "Ünïcode ✓"}\n')
        self.assertEqual(read_prompts(path), [PromptLine("line-1", "Hello"), PromptLine("line-2", "Ünïcode ✓")])

    def test_blank_lines_are_skipped_and_a_last_line_needs_no_newline(self):
        path = prompts_file('\n{"id": "a", "prompt": "x"}\n\n{"id": "b", "prompt": "y"}')
        self.assertEqual([p.id for p in read_prompts(path)], ["a", "b"])

    def test_unicode_line_separators_inside_a_prompt_do_not_end_its_line(self):
        # Valid JSON may hold U+2028, U+2029 and U+0085 unescaped; only "\n" ends a JSONL line.
        path = prompts_file('{"id": "a", "prompt": "one\u2028two\u2029three\u0085four"}\r\n{"id": "b", "prompt": "y"}\r\n')
        self.assertEqual(read_prompts(path), [PromptLine("a", "one\u2028two\u2029three\u0085four"), PromptLine("b", "y")])

    def test_an_integer_id_is_kept_as_its_decimal_string(self):
        self.assertEqual(read_prompts(prompts_file('{"id": 7, "prompt": "x"}\n'))[0].id, "7")

    def test_a_line_that_is_not_json_is_named_by_its_number(self):
        path = prompts_file('{"id": "a", "prompt": "x"}\n{"id": "b", prompt}\n')
        with self.assertRaisesRegex(HarnessError, r"line 2 is not JSON"):
            read_prompts(path)

    def test_a_record_without_a_string_prompt_is_refused(self):
        with self.assertRaisesRegex(HarnessError, r'line 1 has no string "prompt" field'):
            read_prompts(prompts_file('{"id": "a", "text": "x"}\n'))

    def test_a_record_without_an_id_is_refused(self):
        with self.assertRaisesRegex(HarnessError, r'line 1 has no "id" field'):
            read_prompts(prompts_file('{"prompt": "x"}\n'))

    def test_an_empty_file_is_refused(self):
        with self.assertRaisesRegex(HarnessError, "holds no prompts"):
            read_prompts(prompts_file("\n\n"))

    def test_a_missing_file_says_which_and_what_to_check(self):
        with self.assertRaisesRegex(HarnessError, r"cannot read the prompts file /nonexistent/p.jsonl: No such file or directory\. Check --prompts-file"):
            read_prompts("/nonexistent/p.jsonl")


class Batches(unittest.TestCase):
    prompts = [PromptLine(str(i), f"p{i}") for i in range(7)]

    def test_batches_of_n_in_order_the_last_one_smaller(self):
        self.assertEqual([[p.id for p in b] for b in batches(self.prompts, 3)], [["0", "1", "2"], ["3", "4", "5"], ["6"]])

    def test_a_batch_size_above_the_prompt_count_gives_one_batch(self):
        self.assertEqual([len(b) for b in batches(self.prompts, 64)], [7])

    def test_a_batch_size_below_one_is_refused(self):
        with self.assertRaises(ValueError):
            batches(self.prompts, 0)

    def test_warmup_takes_the_first_batches_and_starts_over_when_it_needs_more(self):
        work = batches(self.prompts, 3)
        self.assertEqual([b[0].id for b in warmup_schedule(work, 2)], ["0", "3"])
        self.assertEqual([b[0].id for b in warmup_schedule(work, 5)], ["0", "3", "6", "0", "3"])
        self.assertEqual(warmup_schedule(work, 0), [])


if __name__ == "__main__":
    unittest.main()
