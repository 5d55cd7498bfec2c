"""What this Python can do for the kit: versions of torch, transformers, accelerate, pynvml,
and whether CUDA works. Prints one JSON object. Creates no CUDA context (device count only)."""
import importlib
import importlib.metadata
import json
import platform
import sys

facts = {"python": sys.executable, "version": platform.python_version(), "modules": {}}
for name, dist in [("torch", "torch"), ("transformers", "transformers"), ("accelerate", "accelerate"),
                   ("tokenizers", "tokenizers"), ("pynvml", "nvidia-ml-py")]:
    try:
        module = importlib.import_module(name)
        try:
            version = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            version = getattr(module, "__version__", "unknown")
        facts["modules"][name] = {"ok": True, "version": version, "file": getattr(module, "__file__", None)}
    except Exception as error:  # any import failure is a fact to report, not a crash
        facts["modules"][name] = {"ok": False, "error": f"{type(error).__name__}: {error}"}

torch_info = facts["modules"]["torch"]
if torch_info["ok"]:
    import torch
    torch_info["cuda"] = torch.version.cuda
    try:
        torch_info["cudaAvailable"] = bool(torch.cuda.is_available())
        torch_info["deviceCount"] = torch.cuda.device_count()
    except Exception as error:
        torch_info["cudaAvailable"] = False
        torch_info["cudaError"] = f"{type(error).__name__}: {error}"
print(json.dumps(facts))
