"""The YAML floor: read and parse every fact file of a content folder with PyYAML's C loader.

Run in a fresh process by :mod:`benchmarks.run`; prints one JSON line. ``parse_s`` is
measured inside the process, after ``import yaml``: it excludes interpreter start-up and
imports, so it is the least any tool that parses these files with libyaml can spend.

    python benchmarks/floor.py CONTENT_DIR
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

started = time.perf_counter()

import yaml  # noqa: E402  (timed: the import is part of the process, not of the floor)
from yaml import CSafeLoader  # noqa: E402


def main(content: Path) -> dict[str, float | int]:
    imported = time.perf_counter()
    files = sorted(content.glob("*/*.yaml"))
    nodes = 0
    for path in files:
        data = yaml.load(path.read_bytes(), Loader=CSafeLoader)  # the C *safe* loader
        nodes += len(data)
    done = time.perf_counter()
    return {"files": len(files), "keys": nodes, "import_s": imported - started, "parse_s": done - imported}


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]))))
