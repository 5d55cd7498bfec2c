"""Builds a small Llama-style causal LM with random weights and its tokenizer in --out, offline.

Nothing is downloaded: the tokenizer is a byte-level BPE trained here on a few sentences, the
model is built from a config (random weights, bfloat16). The energy figures of a random model
are real GPU work, not a model's quality. Prints {"out": ..., "parameters": N} when done.
"""
import argparse
import json

parser = argparse.ArgumentParser()
parser.add_argument("--out", required=True)
parser.add_argument("--layers", type=int, default=4)
parser.add_argument("--hidden", type=int, default=512)
args = parser.parse_args()

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

corpus = [
    "The quick brown fox jumps over the lazy dog.",
    "Energy per token is measured over a window the child marks.",
    "A graphics processor draws power while it multiplies matrices.",
    "Write a short story about a lighthouse keeper and a storm at sea.",
    "Explain how a transformer model generates text one token at a time.",
] * 20
tok = Tokenizer(models.BPE(unk_token="<unk>"))
tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
tok.decoder = decoders.ByteLevel()
trainer = trainers.BpeTrainer(vocab_size=1024, special_tokens=["<unk>", "<s>", "</s>", "<pad>"],
                              initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
tok.train_from_iterator(corpus, trainer)
tokenizer = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="<unk>", bos_token="<s>", eos_token="</s>", pad_token="<pad>")
tokenizer.save_pretrained(args.out)

config = LlamaConfig(
    vocab_size=tok.get_vocab_size(),
    hidden_size=args.hidden,
    intermediate_size=args.hidden * 4,
    num_hidden_layers=args.layers,
    num_attention_heads=8,
    num_key_value_heads=8,
    max_position_embeddings=2048,
    bos_token_id=tokenizer.bos_token_id,
    eos_token_id=tokenizer.eos_token_id,
    pad_token_id=tokenizer.pad_token_id,
    torch_dtype="bfloat16",
)
torch.manual_seed(0)
model = LlamaForCausalLM(config).to(torch.bfloat16)
model.generation_config.pad_token_id = tokenizer.pad_token_id
model.save_pretrained(args.out)
print(json.dumps({"out": args.out, "parameters": sum(p.numel() for p in model.parameters()), "vocab": config.vocab_size}))
