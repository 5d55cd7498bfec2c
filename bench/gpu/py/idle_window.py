"""An idle measurement window: marks a window of --seconds during which it only sleeps.

Needs nothing but Python, so the idle half of the energy step runs everywhere.
"""
import argparse
import time

from protocol import emit, now_ns

parser = argparse.ArgumentParser()
parser.add_argument("--seconds", type=float, required=True)
args = parser.parse_args()

emit("ready")
emit("window_start", t_ns=now_ns())
time.sleep(args.seconds)
emit("window_end", t_ns=now_ns())
emit("result", engine="idle-sleep", seconds=args.seconds)
