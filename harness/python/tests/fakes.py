"""Stand-ins for a Hugging Face tokenizer and for generate(), as plain lists, faithful to what
the real ones return for a decoder-only model: prompts padded on the left, and rows that
finish early (EOS) filled with the pad id until the longest row is done."""
import os
import sys
from types import SimpleNamespace
from typing import Dict, List, Optional, Sequence

# The tests import lem_harness from harness/python, whichever directory unittest runs from.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


class FakeTokenizer:
    """One token per word; ids from 10 up, in order of first sight."""

    def __init__(self, pad_token_id: int, eos_token_id: Optional[int]) -> None:
        self.pad_token_id = pad_token_id
        self.eos_token_id = eos_token_id
        self.vocab: Dict[str, int] = {}

    def __call__(self, texts: Sequence[str]) -> Dict[str, List[List[int]]]:
        rows = [[self.vocab.setdefault(w, 10 + len(self.vocab)) for w in t.split()] for t in texts]
        width = max(len(r) for r in rows)
        return {
            "input_ids": [[self.pad_token_id] * (width - len(r)) + r for r in rows],
            "attention_mask": [[0] * (width - len(r)) + [1] * len(r) for r in rows],
        }


def fake_generate(
    input_ids: List[List[int]],
    continuations: Sequence[Sequence[int]],
    eos_ids: Sequence[int],
    pad_token_id: int,
    max_new_tokens: int,
) -> List[List[int]]:
    """What generate() returns when row i would produce continuations[i]: each row stops after
    its first EOS (later positions get the pad id) or at max_new_tokens; the batch ends when
    every row has stopped."""
    generated: List[List[int]] = []
    for tokens in continuations:
        row: List[int] = []
        for t in tokens[:max_new_tokens]:
            row.append(t)
            if t in eos_ids:
                break
        generated.append(row)
    steps = max(len(r) for r in generated)
    return [prompt + row + [pad_token_id] * (steps - len(row)) for prompt, row in zip(input_ids, generated)]


def generation_config(eos_token_id) -> SimpleNamespace:  # noqa: ANN001 (int, list or None, as in transformers)
    """The part of a model's generation_config the harness reads."""
    return SimpleNamespace(eos_token_id=eos_token_id)
