"""The keyword arguments given to from_pretrained() and generate(), decided without torch."""
from __future__ import annotations

import re
from typing import Dict, FrozenSet, Optional, Tuple

from .args import HarnessArgs


def _version_tuple(version: str) -> Tuple[int, int]:
    m = re.match(r"(\d+)\.(\d+)", version)
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


def dtype_keyword(transformers_version: str) -> str:
    """transformers 4.56 renamed from_pretrained's torch_dtype to dtype (the old name warns)."""
    return "dtype" if _version_tuple(transformers_version) >= (4, 56) else "torch_dtype"


def model_load_kwargs(args: HarnessArgs, transformers_version: str, dtype: object) -> Dict[str, object]:
    """`dtype` is "auto" or the torch dtype object for args.dtype (the caller has torch)."""
    kwargs: Dict[str, object] = {dtype_keyword(transformers_version): dtype, "trust_remote_code": args.trust_remote_code}
    if args.device_map != "none":
        kwargs["device_map"] = args.device_map
    if args.attn_implementation:
        kwargs["attn_implementation"] = args.attn_implementation
    return kwargs


def generate_kwargs(args: HarnessArgs, pad_token_id: Optional[int], eos_ids: FrozenSet[int]) -> Dict[str, object]:
    """The decoding lem asked for, whatever the model's generation_config says about it.

    Greedy decoding sets the sampling knobs to their neutral values (a model that ships
    do_sample=True with temperature 0.6 would otherwise sample, or warn). Sampling disables
    top-k (top_k=0) so that only temperature and top-p shape it, as on the other engines.
    The EOS ids are passed explicitly: the same set the token counts use."""
    kwargs: Dict[str, object] = {
        "max_new_tokens": args.max_new_tokens,
        "pad_token_id": pad_token_id,
        "eos_token_id": sorted(eos_ids) if eos_ids else None,
    }
    if args.ignore_eos:
        # EOS gets no probability until max_new_tokens tokens exist: every row runs to the end.
        kwargs["min_new_tokens"] = args.max_new_tokens
    if args.temperature > 0:
        kwargs.update(do_sample=True, temperature=args.temperature, top_p=args.top_p, top_k=0)
    else:
        kwargs.update(do_sample=False, temperature=1.0, top_p=1.0, top_k=50)
    return kwargs
