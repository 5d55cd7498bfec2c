"""A Python power poller through pynvml (nvidia-ml-py), as a Python tool would run one: a
background thread on absolute deadlines reading what lem's sampler reads each tick.

--mode idle-main: the main thread sleeps; busy-main: it runs pure-Python work that holds the
GIL, as an inference process's main thread would. Prints "ready" once NVML is initialised and
the readings are probed, then, when done, one JSON line with the figures.
"""
import argparse
import json
import sys
import threading
import time

parser = argparse.ArgumentParser()
parser.add_argument("--hz", type=float, required=True)
parser.add_argument("--seconds", type=float, required=True)
parser.add_argument("--mode", choices=["idle-main", "busy-main"], required=True)
parser.add_argument("--index", type=int, default=0)
args = parser.parse_args()

try:
    import pynvml
except Exception as error:
    print(json.dumps({"error": f"pynvml cannot be imported: {type(error).__name__}: {error}"}), flush=True)
    sys.exit(2)

FI_INSTANT, FI_AVERAGE, FI_ENERGY = 186, 185, 191


def field_value(v):
    kind = v.valueType
    union = v.value
    for code, attr in [(0, "dVal"), (1, "uiVal"), (2, "ulVal"), (3, "ullVal"), (4, "sllVal"), (5, "siVal"), (6, "usVal")]:
        if kind == code and hasattr(union, attr):
            return float(getattr(union, attr))
    return float("nan")


pynvml.nvmlInit()
handle = pynvml.nvmlDeviceGetHandleByIndex(args.index)

# Probe once, like lem's DeviceReader: each tick then makes only calls that work.
fields = []
for fid in (FI_INSTANT, FI_AVERAGE, FI_ENERGY):
    try:
        v = pynvml.nvmlDeviceGetFieldValues(handle, [fid])[0]
        if v.nvmlReturn == 0:
            fields.append(fid)
    except pynvml.NVMLError:
        pass
readers = []
if fields:
    readers.append(("nvmlDeviceGetFieldValues", lambda: pynvml.nvmlDeviceGetFieldValues(handle, fields)))
readers.append(("nvmlDeviceGetTemperature", lambda: pynvml.nvmlDeviceGetTemperature(handle, pynvml.NVML_TEMPERATURE_GPU)))
readers.append(("nvmlDeviceGetClockInfo", lambda: pynvml.nvmlDeviceGetClockInfo(handle, pynvml.NVML_CLOCK_SM)))
readers.append(("nvmlDeviceGetMemoryInfo", lambda: pynvml.nvmlDeviceGetMemoryInfo(handle)))
reasons = getattr(pynvml, "nvmlDeviceGetCurrentClocksEventReasons", None) or getattr(pynvml, "nvmlDeviceGetCurrentClocksThrottleReasons", None)
if reasons:
    readers.append((reasons.__name__, lambda: reasons(handle)))
working = []
for name, fn in readers:
    try:
        fn()
        working.append((name, fn))
    except pynvml.NVMLError:
        pass
power_from_field = FI_INSTANT in fields
if not power_from_field:
    working.append(("nvmlDeviceGetPowerUsage", lambda: pynvml.nvmlDeviceGetPowerUsage(handle)))

interval_ns = int(1e9 / args.hz)
stop = threading.Event()
out = {"lateness": [], "ticks": 0, "missed": 0, "errors": 0, "power_changes": 0, "cpu_ns": 0}


def poll():
    cpu0 = time.thread_time_ns()
    start = time.monotonic_ns()
    deadline = start
    last_power = None
    lateness = out["lateness"]
    while not stop.is_set():
        now = time.monotonic_ns()
        if now < deadline:
            time.sleep((deadline - now) / 1e9)
            now = time.monotonic_ns()
        lateness.append(now - deadline)
        power = None
        for name, fn in working:
            try:
                r = fn()
                if name == "nvmlDeviceGetFieldValues" and power_from_field:
                    power = field_value(r[fields.index(FI_INSTANT)])
                elif name == "nvmlDeviceGetPowerUsage":
                    power = float(r)
            except pynvml.NVMLError:
                out["errors"] += 1
        if power is not None and power != last_power:
            out["power_changes"] += 1
            last_power = power
        out["ticks"] += 1
        deadline += interval_ns
        now = time.monotonic_ns()
        if now > deadline + interval_ns:  # skipped deadlines, as lem counts them
            skipped = (now - deadline) // interval_ns
            out["missed"] += skipped
            deadline += skipped * interval_ns
    out["cpu_ns"] = time.thread_time_ns() - cpu0
    out["wall_ns"] = time.monotonic_ns() - start


print("ready", flush=True)
thread = threading.Thread(target=poll, daemon=True)
thread.start()
end = time.monotonic() + args.seconds
if args.mode == "busy-main":
    work = 0
    while time.monotonic() < end:
        work += sum(i * i for i in range(2000))  # pure Python: holds the GIL like tokenising or sampling
else:
    time.sleep(args.seconds)
stop.set()
thread.join()
pynvml.nvmlShutdown()

late = sorted(out["lateness"])
wall_s = out["wall_ns"] / 1e9
q = lambda p: late[min(len(late) - 1, int(p * len(late)))] / 1e6 if late else None
print(json.dumps({
    "mode": args.mode,
    "targetHz": args.hz,
    "ticks": out["ticks"],
    "achievedHz": out["ticks"] / wall_s if wall_s > 0 else None,
    "missedDeadlines": out["missed"],
    "latenessMs": {"p50": q(0.5), "p99": q(0.99), "max": late[-1] / 1e6 if late else None},
    "threadCpuS": out["cpu_ns"] / 1e9,
    "threadCpuShare": out["cpu_ns"] / out["wall_ns"] if out["wall_ns"] else None,
    "distinctPowerPerS": out["power_changes"] / wall_s if wall_s > 0 else None,
    "readErrors": out["errors"],
    "calls": [name for name, _ in working],
    "pynvml": getattr(pynvml, "__version__", None),
    "python": sys.version.split()[0],
}), flush=True)
