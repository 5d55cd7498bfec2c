"""The harness's command line (lem builds it: lib/backends/transformers/transformers-argv.ts)."""
from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from typing import Mapping, Optional, Sequence

from .errors import HarnessError
from .protocol import Target

DTYPES = ("auto", "float16", "bfloat16", "float32")
DEFAULT_PROTOCOL_FD = 3


class ArgsError(HarnessError):
    pass


@dataclass(frozen=True)
class HarnessArgs:
    model: str
    prompts_file: str
    batch_size: int
    max_new_tokens: int
    # None: prompts are not truncated.
    max_input_tokens: Optional[int]
    dtype: str
    # "none": no device_map; the model goes to the first GPU (or stays on the CPU without one).
    device_map: str
    attn_implementation: Optional[str]
    trust_remote_code: bool
    temperature: float
    top_p: float
    seed: int
    ignore_eos: bool
    warmup_batches: int
    protocol_fd: int


class _Parser(argparse.ArgumentParser):
    # argparse prints and exits on a bad argument; the harness sends it as an error event instead.
    def error(self, message: str):  # type: ignore[override]
        raise ArgsError(f"lem_transformers: {message} (see --help)")


def _int_at_least(minimum: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value

    return parse


def _temperature(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (value >= 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"must be 0 (greedy) or more, got {text}")
    return value


def _top_p(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (0 < value <= 1):
        raise argparse.ArgumentTypeError(f"must be in (0, 1], got {text}")
    return value


def _parser() -> _Parser:
    p = _Parser(
        prog="lem_transformers.py",
        description="Generates with a Hugging Face transformers model and reports to lem on its child protocol.",
    )
    p.add_argument("--model", required=True, help="local path or Hugging Face hub id")
    p.add_argument("--prompts-file", required=True, help='JSONL, one {"id": ..., "prompt": ...} per line')
    p.add_argument("--batch-size", type=_int_at_least(1), default=1)
    p.add_argument("--max-new-tokens", type=_int_at_least(1), default=128)
    p.add_argument("--max-input-tokens", type=_int_at_least(1), default=None, help="truncate longer prompts, keeping their beginning")
    p.add_argument("--dtype", choices=DTYPES, default="auto")
    p.add_argument("--device-map", default="auto", help='passed to from_pretrained; "none" for no device map')
    p.add_argument("--attn-implementation", default=None, help="eager, sdpa, flash_attention_2, ... (default: the model's)")
    p.add_argument("--trust-remote-code", action="store_true")
    p.add_argument("--temperature", type=_temperature, default=0.0, help="0 = greedy")
    p.add_argument("--top-p", type=_top_p, default=1.0)
    p.add_argument("--seed", type=_int_at_least(0), default=0)
    p.add_argument("--ignore-eos", action="store_true", help="generate --max-new-tokens for every prompt")
    p.add_argument(
        "--warmup-batches",
        type=_int_at_least(0),
        default=None,
        help="batches run before the window opens (default: LEM_WARMUP_REQUESTS prompts, in batches)",
    )
    p.add_argument("--protocol-fd", type=_int_at_least(0), default=DEFAULT_PROTOCOL_FD, help="overridden by LEM_PROTOCOL_PATH")
    return p


def warmup_batches_from_env(env: Mapping[str, str], batch_size: int) -> int:
    """LEM_WARMUP_REQUESTS counts prompts (lem's measurement.warmupRequests); the harness warms
    up in whole batches, so N prompts are ceil(N / batch size) batches."""
    text = env.get("LEM_WARMUP_REQUESTS", "").strip()
    if not text:
        return 0
    try:
        requests = int(text)
    except ValueError:
        requests = -1
    if requests < 0:
        raise ArgsError(f"lem_transformers: LEM_WARMUP_REQUESTS must be a whole number of prompts, got {text!r}.")
    return -(-requests // batch_size)


def parse_args(argv: Sequence[str], env: Mapping[str, str]) -> HarnessArgs:
    ns = _parser().parse_args(list(argv))
    warmup = ns.warmup_batches if ns.warmup_batches is not None else warmup_batches_from_env(env, ns.batch_size)
    if not ns.model.strip():
        raise ArgsError("lem_transformers: --model is empty; give a local path or a Hugging Face hub id.")
    return HarnessArgs(
        model=ns.model,
        prompts_file=ns.prompts_file,
        batch_size=ns.batch_size,
        max_new_tokens=ns.max_new_tokens,
        max_input_tokens=ns.max_input_tokens,
        dtype=ns.dtype,
        device_map=ns.device_map,
        attn_implementation=ns.attn_implementation,
        trust_remote_code=ns.trust_remote_code,
        temperature=ns.temperature,
        top_p=ns.top_p,
        seed=ns.seed,
        ignore_eos=ns.ignore_eos,
        warmup_batches=warmup,
        protocol_fd=ns.protocol_fd,
    )


def protocol_target(argv: Sequence[str], env: Mapping[str, str]) -> Target:
    """Where events go, found before the full parse so that even a bad command line is
    reported on the protocol: LEM_PROTOCOL_PATH when set, else --protocol-fd, else fd 3."""
    path = env.get("LEM_PROTOCOL_PATH", "")
    if path:
        return path
    args = list(argv)
    for i, arg in enumerate(args):
        value: Optional[str] = None
        if arg == "--protocol-fd" and i + 1 < len(args):
            value = args[i + 1]
        elif arg.startswith("--protocol-fd="):
            value = arg.split("=", 1)[1]
        if value is not None and value.isdigit():
            return int(value)
    return DEFAULT_PROTOCOL_FD
