"""What a folder holds, byte for byte: for tests that a build changed nothing, or the same things twice."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def tree(root: Path) -> dict[str, str]:
    """Every entry under ``root``: relative path → SHA-256 of a file, 'dir', or 'link → target'."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            out[rel] = f"link → {os.readlink(path)}"
        elif path.is_dir():
            out[rel] = "dir"
        else:
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def differences(a: dict[str, str], b: dict[str, str]) -> list[str]:
    """The paths two trees do not hold alike (in one only, or with other bytes)."""
    return sorted({k for k in a.keys() | b.keys() if a.get(k) != b.get(k)})
