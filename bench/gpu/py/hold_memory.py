"""Holds about --mib MiB of GPU memory until told to let go, for the residual-memory step.

Allocates on the first visible GPU, prints {"holding": MiB, "pid": ...} on stdout, waits for a
line on stdin ("free"), frees (empties torch's cache), prints {"freed": true}, then waits for a
second line before exiting, so lem can be checked both while the process lives and after.
"""
import argparse
import json
import os
import sys

parser = argparse.ArgumentParser()
parser.add_argument("--mib", type=int, default=1024)
args = parser.parse_args()

try:
    import torch

    block = torch.empty(args.mib * 1024 * 1024, dtype=torch.uint8, device="cuda:0")
    block.fill_(1)
    torch.cuda.synchronize()
except Exception as error:
    print(json.dumps({"error": f"{type(error).__name__}: {error}"}), flush=True)
    sys.exit(1)

print(json.dumps({"holding": args.mib, "pid": os.getpid(), "reservedMiB": torch.cuda.memory_reserved(0) / 2**20}), flush=True)
sys.stdin.readline()
del block
torch.cuda.empty_cache()
torch.cuda.synchronize()
print(json.dumps({"freed": True, "reservedMiB": torch.cuda.memory_reserved(0) / 2**20}), flush=True)
sys.stdin.readline()
