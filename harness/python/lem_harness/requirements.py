"""Whether this Python has what the harness imports, found without importing it (torch takes
seconds to import, and a missing package deserves a message that says how to install it)."""
from __future__ import annotations

import importlib.util
import platform
import sys
from typing import Callable, List, Optional

Finder = Callable[[str], Optional[object]]


def needed_packages(device_map: str) -> List[str]:
    # from_pretrained(device_map=...) needs accelerate; without a device map it does not.
    return ["torch", "transformers"] + ([] if device_map == "none" else ["accelerate"])


def missing_packages(device_map: str, find_spec: Finder = importlib.util.find_spec) -> List[str]:
    return [name for name in needed_packages(device_map) if find_spec(name) is None]


def _this_python() -> str:
    return f"{sys.executable} (Python {platform.python_version()})"


def missing_packages_message(missing: List[str], python: Optional[str] = None) -> str:
    names = " and ".join(missing) if len(missing) <= 2 else ", ".join(missing[:-1]) + " and " + missing[-1]
    return (
        f"lem_transformers: the Python at {python or _this_python()} lacks {names}. "
        f"Install them into it ({sys.executable} -m pip install {' '.join(missing)}), "
        "or point lem at a Python that has them: transformers.python in the experiment, or LEM_PYTHON."
    )


def import_failure_message(error: BaseException, python: Optional[str] = None) -> str:
    return (
        f"lem_transformers: torch and transformers are installed in the Python at {python or _this_python()} "
        f"but fail to import: {type(error).__name__}: {error}. "
        f"Check that install ({sys.executable} -c 'import torch, transformers') or use another Python (LEM_PYTHON)."
    )
