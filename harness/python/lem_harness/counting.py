"""Token counting: what lem records as a request's input and output tokens.

The inputs are plain lists (tensor.tolist()), as generate() leaves them for a decoder-only
model with left padding:

    attention_mask  B rows of W values, 0 on the left padding, 1 on the prompt's tokens
    sequences       B rows of W + n token ids: the padded prompt, then n generated positions

A row that stops early (EOS) is filled with the pad id until the longest row is done, and
the pad id is often the EOS id itself. So a row's output is its generated positions up to and
including its first EOS; nothing after it, padding or not, was generated for that request.
Without EOS (or with EOS suppressed, --ignore-eos) every generated position counts.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import FrozenSet, List, Optional, Sequence


@dataclass(frozen=True)
class BatchCounts:
    input_tokens: List[int]
    output_tokens: List[int]


def token_ids(value: object) -> FrozenSet[int]:
    """The set of ids in an `eos_token_id` setting: None, an int or a list of ints
    (generation_config allows all three; a tensor is read through tolist())."""
    if value is None:
        return frozenset()
    if hasattr(value, "tolist"):
        value = value.tolist()  # type: ignore[union-attr]
    if isinstance(value, bool):
        raise ValueError(f"a token id must be an integer, not {value!r}")
    if isinstance(value, int):
        return frozenset([value])
    if isinstance(value, (list, tuple, set, frozenset)):
        ids = list(value)
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in ids):
            raise ValueError(f"token ids must be integers, got {value!r}")
        return frozenset(ids)
    raise ValueError(f"token ids must be an integer or a list of integers, got {value!r}")


def eos_token_ids(generation_config: object, tokenizer: Optional[object] = None) -> FrozenSet[int]:
    """The ids that end a sequence: the model's generation config's, else the tokenizer's.
    The harness passes this same set to generate(), so stopping and counting cannot disagree."""
    ids = token_ids(getattr(generation_config, "eos_token_id", None))
    if not ids and tokenizer is not None:
        ids = token_ids(getattr(tokenizer, "eos_token_id", None))
    return ids


def input_token_counts(attention_mask: Sequence[Sequence[int]]) -> List[int]:
    """Tokens of each prompt: the attention mask's ones (left padding has zeros)."""
    return [sum(1 for v in row if v) for row in attention_mask]


def output_token_count(generated: Sequence[int], eos_ids: FrozenSet[int], ignore_eos: bool = False) -> int:
    """Generated tokens of one row: up to and including the first EOS, or all of them."""
    if not ignore_eos:
        for position, token in enumerate(generated):
            if token in eos_ids:
                return position + 1
    return len(generated)


def count_batch(
    attention_mask: Sequence[Sequence[int]],
    sequences: Sequence[Sequence[int]],
    eos_ids: FrozenSet[int],
    ignore_eos: bool = False,
) -> BatchCounts:
    """Input and output tokens of each row of a generated batch (see the module's docstring)."""
    if len(attention_mask) != len(sequences):
        raise ValueError(f"{len(attention_mask)} attention-mask rows but {len(sequences)} sequences")
    if not attention_mask:
        return BatchCounts([], [])
    prompt_width = len(attention_mask[0])
    for row, (mask, seq) in enumerate(zip(attention_mask, sequences)):
        if len(mask) != prompt_width:
            raise ValueError(f"attention-mask row {row} has {len(mask)} positions, row 0 has {prompt_width}: not a padded batch")
        if len(seq) < prompt_width:
            raise ValueError(f"sequence {row} has {len(seq)} tokens, fewer than the {prompt_width} of its padded prompt")
    return BatchCounts(
        input_tokens=input_token_counts(attention_mask),
        output_tokens=[output_token_count(seq[prompt_width:], eos_ids, ignore_eos) for seq in sequences],
    )
