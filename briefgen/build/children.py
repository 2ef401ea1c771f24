"""Worker processes that die with the build that forked them.

A build forks workers (the PDF pool, the page-body worker). Were the build killed — the
OOM killer, a CI timeout, ``kill -9`` — a worker would otherwise live on: waiting on a
queue nobody feeds, holding the staging folder's lock (so no later build sweeps it) and
the caller's stdout (so whoever reads the build's output waits forever). On Linux each
worker asks the kernel for SIGKILL when its parent dies (``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
from collections.abc import Callable
from functools import lru_cache

_PR_SET_PDEATHSIG = 1


@lru_cache(maxsize=1)
def _prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None
    return getattr(libc, "prctl", None)


def die_with_parent(parent: int) -> None:
    """In a freshly forked worker: be killed when ``parent`` (the pid that forked it) ends.

    Also puts SIGTERM back to its default, which the build replaced to clean up after itself:
    a worker told to stop stops. If the parent is already gone (it died before this ran),
    the worker leaves at once.
    """
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    prctl = _prctl()
    if prctl is not None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


def dies_with_parent() -> bool:
    """Whether :func:`die_with_parent` is backed by the kernel here (Linux)."""
    return _prctl() is not None
