"""A steady GPU load for the energy window: bf16 matrix multiplies on the first visible GPU.

Speaks lem's child protocol: warms up, sends ready, marks a window of --seconds during which it
multiplies (synchronising every few products), then reports what it did in its result event.
"""
import argparse
import sys
import time

from protocol import emit, now_ns

parser = argparse.ArgumentParser()
parser.add_argument("--seconds", type=float, required=True)
parser.add_argument("--warmup-s", type=float, default=3.0)
parser.add_argument("--size", type=int, default=8192)
args = parser.parse_args()

try:
    import torch

    if not torch.cuda.is_available():
        raise RuntimeError("torch sees no CUDA device")
    device = torch.device("cuda:0")
    a = torch.randn(args.size, args.size, dtype=torch.bfloat16, device=device)
    b = torch.randn(args.size, args.size, dtype=torch.bfloat16, device=device)
    c = torch.empty_like(a)
except Exception as error:
    emit("error", message=f"matmul load could not start: {type(error).__name__}: {error}")
    sys.exit(1)


def multiply_for(seconds):
    n = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for _ in range(8):
            torch.matmul(a, b, out=c)
        torch.cuda.synchronize()
        n += 8
    return n


multiply_for(args.warmup_s)
emit("ready")
torch.cuda.synchronize()
t0 = time.monotonic_ns()
emit("window_start", t_ns=str(t0))
products = multiply_for(args.seconds)
torch.cuda.synchronize()
t1 = time.monotonic_ns()
emit("window_end", t_ns=str(t1))
flops = 2.0 * args.size ** 3 * products
emit("result", engine="torch-matmul", engine_version=torch.__version__, size=args.size, dtype="bfloat16",
     products=products, tflops=flops / ((t1 - t0) / 1e9) / 1e12, device=torch.cuda.get_device_name(0))
