"""The prompts lem hands the harness: a JSONL file, one {"id": "...", "prompt": "..."} per line,
served in file order, in batches of N (the last one may be smaller)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import List, Sequence

from .errors import HarnessError


@dataclass(frozen=True)
class PromptLine:
    id: str
    text: str


def read_prompts(path: str) -> List[PromptLine]:
    try:
        with open(path, encoding="utf-8") as f:
            # JSONL lines end at "\n" only: splitlines() would also split at U+2028, U+0085, ...
            # that a hand-written file may hold unescaped inside a JSON string.
            lines = f.read().split("\n")
    except OSError as e:
        raise HarnessError(f"lem_transformers: cannot read the prompts file {path}: {e.strerror}. Check --prompts-file.") from None
    except UnicodeDecodeError as e:
        raise HarnessError(f"lem_transformers: the prompts file {path} is not UTF-8 text ({e.reason} at byte {e.start}).") from None
    prompts: List[PromptLine] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path} line {number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            raise HarnessError(f"lem_transformers: {where} is not JSON ({e.msg}); each line must be {{\"id\": ..., \"prompt\": ...}}.") from None
        if not isinstance(record, dict):
            raise HarnessError(f"lem_transformers: {where} is not a JSON object; each line must be {{\"id\": ..., \"prompt\": ...}}.")
        text = record.get("prompt")
        if not isinstance(text, str):
            raise HarnessError(f"lem_transformers: {where} has no string \"prompt\" field.")
        prompt_id = record.get("id")
        if isinstance(prompt_id, bool) or not isinstance(prompt_id, (str, int)):
            raise HarnessError(f"lem_transformers: {where} has no \"id\" field (a string).")
        prompts.append(PromptLine(id=str(prompt_id), text=text))
    if not prompts:
        raise HarnessError(f"lem_transformers: the prompts file {path} holds no prompts.")
    return prompts


def batches(prompts: Sequence[PromptLine], size: int) -> List[List[PromptLine]]:
    if size < 1:
        raise ValueError(f"batch size must be at least 1, got {size}")
    return [list(prompts[i : i + size]) for i in range(0, len(prompts), size)]


def warmup_schedule(workload: Sequence[Sequence[PromptLine]], count: int) -> List[Sequence[PromptLine]]:
    """The batches run before the window opens: the workload's first `count` batches, starting
    over from the first when there are fewer (so the shapes are those measured)."""
    if not workload:
        return []
    return [workload[i % len(workload)] for i in range(count)]
