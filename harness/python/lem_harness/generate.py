"""The torch and transformers part of the harness: loads the model, generates a batch, times
its first token. Imported only after requirements.py found torch and transformers.

Time to first token (TTFT) of a batch: a logits processor that does nothing to the scores
notes the moment generate() first calls it, which is when the prefill's logits for the
first new token exist (it synchronizes the GPU once there, so the moment is when the GPU
finished, not when the work was queued). The first token is picked from those logits right
after, a negligible step. Later calls return at once: no synchronization per token, which
would slow the decoding being measured.
"""
from __future__ import annotations

import platform
import sys
import time
from typing import Callable, Dict, Optional, Sequence

import torch
import transformers
from transformers import AutoModelForCausalLM, AutoTokenizer, LogitsProcessor, LogitsProcessorList

from .args import HarnessArgs
from .counting import count_batch, eos_token_ids
from .engine_options import generate_kwargs, model_load_kwargs
from .errors import HarnessError
from .run import GeneratedBatch


def _is_out_of_memory(error: BaseException) -> bool:
    oom = getattr(torch.cuda, "OutOfMemoryError", None)
    return (oom is not None and isinstance(error, oom)) or (isinstance(error, RuntimeError) and "out of memory" in str(error))


class FirstTokenClock(LogitsProcessor):
    """Notes when the first step's logits are ready (see the module's docstring)."""

    def __init__(self, synchronize: Callable[[], None], clock: Callable[[], int] = time.monotonic_ns) -> None:
        self._synchronize = synchronize
        self._clock = clock
        self.first_token_ns: Optional[int] = None

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        if self.first_token_ns is None:
            self._synchronize()
            self.first_token_ns = self._clock()
        return scores


class TorchEngine:
    def __init__(self, args: HarnessArgs, tokenizer, model) -> None:  # noqa: ANN001 (transformers types)
        self.args = args
        self.tokenizer = tokenizer
        self.model = model
        self.eos_ids = eos_token_ids(model.generation_config, tokenizer)
        self._generate_kwargs = generate_kwargs(args, tokenizer.pad_token_id, self.eos_ids)
        self._cuda_indexes = sorted({p.device.index or 0 for p in model.parameters() if p.device.type == "cuda"})

    def synchronize(self) -> None:
        # Every GPU the model sits on (a device map may spread it over several).
        for index in self._cuda_indexes:
            torch.cuda.synchronize(index)

    def generate_batch(self, texts: Sequence[str]) -> GeneratedBatch:
        a = self.args
        truncate = {"truncation": True, "max_length": a.max_input_tokens} if a.max_input_tokens else {}
        inputs = self.tokenizer(list(texts), return_tensors="pt", padding=True, **truncate).to(self.model.device)
        clock = FirstTokenClock(self.synchronize)
        try:
            with torch.inference_mode():
                # Only ids and mask: some tokenizers add token_type_ids, which some models' generate() refuses.
                out = self.model.generate(
                    input_ids=inputs["input_ids"],
                    attention_mask=inputs["attention_mask"],
                    logits_processor=LogitsProcessorList([clock]),
                    **self._generate_kwargs,
                )
        except Exception as e:
            if _is_out_of_memory(e):
                raise HarnessError(
                    f"lem_transformers: CUDA ran out of memory generating a batch of {len(texts)} prompts "
                    f"(up to {inputs['input_ids'].shape[1]} input and {a.max_new_tokens} new tokens each). "
                    "Lower transformers.batchSize, generation.maxOutputTokens or generation.maxInputTokens, "
                    "or use a smaller dtype or more GPUs (transformers.deviceMap)."
                ) from None
            raise
        # A tensor, or an output object when the model's generation config asks for one.
        sequences = getattr(out, "sequences", out)
        counts = count_batch(inputs["attention_mask"].tolist(), sequences.tolist(), self.eos_ids, a.ignore_eos)
        return GeneratedBatch(counts=counts, first_token_ns=clock.first_token_ns)

    def facts(self) -> Dict[str, object]:
        a = self.args
        model = self.model
        return {
            "engine": "transformers",
            "engine_version": transformers.__version__,
            "torch_version": torch.__version__,
            "cuda_version": torch.version.cuda,
            "device_names": [torch.cuda.get_device_name(i) for i in self._cuda_indexes],
            "model_devices": sorted({str(p.device) for p in model.parameters()}),
            "dtype": str(model.dtype).replace("torch.", ""),
            "attn_implementation": getattr(model.config, "_attn_implementation", None),
            "batch_size": a.batch_size,
            "model_id": a.model,
            "parameters": sum(p.numel() for p in model.parameters()),
            "max_new_tokens": a.max_new_tokens,
            "max_input_tokens": a.max_input_tokens,
            "temperature": a.temperature,
            "top_p": a.top_p,
            "seed": a.seed,
            "ignore_eos": a.ignore_eos,
            "eos_token_ids": sorted(self.eos_ids),
            "python": sys.executable,
            "python_version": platform.python_version(),
        }


def _load_failure(model: str, what: str, error: BaseException) -> HarnessError:
    return HarnessError(
        f"lem_transformers: cannot load the {what} of {model!r}: {type(error).__name__}: {error}. "
        "Check that the model is a local directory or a Hugging Face hub id this machine can download "
        "(gated models need HF_TOKEN; offline machines need the model in the cache), "
        "and for a model with its own code set transformers.trustRemoteCode."
    )


def load_engine(args: HarnessArgs, log: Callable[[str], None]) -> TorchEngine:
    """The tokenizer (left padding, prompts truncated at the end) and the model, in eval mode."""
    transformers.set_seed(args.seed)
    started = time.monotonic()
    try:
        tokenizer = AutoTokenizer.from_pretrained(args.model, padding_side="left", trust_remote_code=args.trust_remote_code)
    except (OSError, ValueError, ImportError) as e:
        raise _load_failure(args.model, "tokenizer", e) from None
    # Decoder-only batches pad on the left, so that every row's last position is its prompt's
    # last token; truncation keeps a prompt's beginning.
    tokenizer.padding_side = "left"
    tokenizer.truncation_side = "right"
    if tokenizer.pad_token is None:
        if tokenizer.eos_token is None:
            raise HarnessError(
                f"lem_transformers: the tokenizer of {args.model!r} has neither a padding nor an EOS token, "
                "so prompts cannot be padded into a batch. Use a model whose tokenizer defines one of them."
            )
        # Padding positions are masked out and never counted, so the EOS token serves.
        tokenizer.pad_token = tokenizer.eos_token
    dtype = "auto" if args.dtype == "auto" else getattr(torch, args.dtype)
    try:
        model = AutoModelForCausalLM.from_pretrained(args.model, **model_load_kwargs(args, transformers.__version__, dtype))
        if args.device_map == "none" and torch.cuda.is_available():
            model.to("cuda")
    except Exception as e:
        if _is_out_of_memory(e):
            raise HarnessError(
                f"lem_transformers: CUDA ran out of memory loading {args.model!r} as {args.dtype}. "
                "Use a smaller dtype (transformers.dtype), more GPUs (transformers.deviceMap: auto) or a smaller model."
            ) from None
        if isinstance(e, (OSError, ValueError, ImportError)):
            raise _load_failure(args.model, "model", e) from None
        raise
    model.eval()
    log(f"loaded {args.model} in {time.monotonic() - started:.1f} s")
    return TorchEngine(args, tokenizer, model)

