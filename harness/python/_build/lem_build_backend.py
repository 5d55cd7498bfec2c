"""A PEP 517 build backend from the standard library, so that the harness installs offline
(pip install --no-index ./harness/python) into a fresh virtual environment, which has neither
wheel nor, from Python 3.12, setuptools. It builds the modules and the package pyproject.toml
names into a pure-Python wheel. Before Python 3.11 (no tomllib) it hands over to setuptools.
"""
from __future__ import annotations

import base64
import hashlib
import os
import sys
import zipfile
from typing import Dict, List, Optional

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

if sys.version_info < (3, 11):  # pragma: no cover - exercised only on old Pythons
    from setuptools import build_meta as _setuptools

    def get_requires_for_build_wheel(config_settings: Optional[Dict] = None) -> List[str]:
        return ["setuptools>=61", "wheel"]

    def build_wheel(wheel_directory: str, config_settings: Optional[Dict] = None, metadata_directory: Optional[str] = None) -> str:
        return _setuptools.build_wheel(wheel_directory, config_settings, metadata_directory)

    def build_sdist(sdist_directory: str, config_settings: Optional[Dict] = None) -> str:
        return _setuptools.build_sdist(sdist_directory, config_settings)

else:
    import tomllib

    def _project() -> Dict:
        with open(os.path.join(HERE, "pyproject.toml"), "rb") as f:
            data = tomllib.load(f)
        return {**data["project"], "_setuptools": data.get("tool", {}).get("setuptools", {})}

    def _metadata(p: Dict) -> str:
        lines = ["Metadata-Version: 2.1", f"Name: {p['name']}", f"Version: {p['version']}", f"Summary: {p['description']}"]
        lines.append(f"License: {p.get('license', {}).get('text', '')}")
        lines.append(f"Requires-Python: {p['requires-python']}")
        for label, url in p.get("urls", {}).items():
            lines.append(f"Project-URL: {label}, {url}")
        for dep in p.get("dependencies", []):
            lines.append(f"Requires-Dist: {dep}")
        for extra, deps in p.get("optional-dependencies", {}).items():
            lines.append(f"Provides-Extra: {extra}")
            lines.extend(f'Requires-Dist: {dep}; extra == "{extra}"' for dep in deps)
        readme = p.get("readme")
        body = ""
        if readme:
            lines.append("Description-Content-Type: text/markdown")
            with open(os.path.join(HERE, readme), encoding="utf-8") as f:
                body = "\n" + f.read()
        return "\n".join(lines) + "\n" + body

    def _files(p: Dict) -> List[str]:
        st = p["_setuptools"]
        files = [f"{m}.py" for m in st.get("py-modules", [])]
        for package in st.get("packages", []):
            for name in sorted(os.listdir(os.path.join(HERE, package))):
                if name.endswith(".py"):
                    files.append(f"{package}/{name}")
        return files

    def get_requires_for_build_wheel(config_settings: Optional[Dict] = None) -> List[str]:
        return []

    def build_wheel(wheel_directory: str, config_settings: Optional[Dict] = None, metadata_directory: Optional[str] = None) -> str:
        p = _project()
        dist = p["name"].replace("-", "_")
        info = f"{dist}-{p['version']}.dist-info"
        wheel_name = f"{dist}-{p['version']}-py3-none-any.whl"
        entries: List[tuple] = []
        for rel in _files(p):
            with open(os.path.join(HERE, rel), "rb") as f:
                entries.append((rel, f.read()))
        entries.append((f"{info}/METADATA", _metadata(p).encode("utf-8")))
        entries.append((f"{info}/WHEEL", b"Wheel-Version: 1.0\nGenerator: lem_build_backend\nRoot-Is-Purelib: true\nTag: py3-none-any\n"))
        scripts = p.get("scripts", {})
        if scripts:
            text = "[console_scripts]\n" + "".join(f"{name} = {target}\n" for name, target in scripts.items())
            entries.append((f"{info}/entry_points.txt", text.encode("utf-8")))
        record = []
        path = os.path.join(wheel_directory, wheel_name)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for rel, data in entries:
                z.writestr(rel, data)
                digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
                record.append(f"{rel},sha256={digest},{len(data)}")
            record.append(f"{info}/RECORD,,")
            z.writestr(f"{info}/RECORD", "\n".join(record) + "\n")
        return wheel_name
