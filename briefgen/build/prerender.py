"""Page bodies rendered ahead, in a second process, while the theme renders the pages.

A site build renders each page twice over: briefgen's body, then the theme's page around
it. The two are independent, so on a machine with a second core a forked worker renders
the bodies (and their search bodies) in the order the pages will be built and streams
them through a pipe; the building process takes each body when its page comes. The pipe
holds a few pages at most, so no more bodies sit in memory than before. Anything
unexpected — no ``fork`` (Windows), one core, other threads running (``fork`` would copy
their locks), a page asked for out of order, the worker gone — and the caller renders
the body itself, as it would without a worker: the output is the same either way. The
worker dies with the building process (:mod:`briefgen.build.children`).
"""

from __future__ import annotations

import contextlib
import os
import struct
import sys
import threading
from collections.abc import Callable, Sequence
from typing import BinaryIO

from briefgen.build import children

_HEADER = struct.Struct("<III")
_NONE = 0xFFFFFFFF
"""Length that stands for "no search body"."""

Render = Callable[[str, str], tuple[str, str | None]]
"""(source path, base) → (body, search body or None)."""


def usable() -> bool:
    """Whether a worker can help here: ``fork`` exists, there is a second core, and no other thread runs."""
    return hasattr(os, "fork") and (os.cpu_count() or 1) > 1 and threading.active_count() == 1


class Prerenderer:
    """Streams page bodies from a forked worker, in the order the pages are given."""

    def __init__(self, order: Sequence[tuple[str, str]], render: Render) -> None:
        self.order = list(order)
        self.next = 0
        self.pid: int | None = None
        self.reader: BinaryIO | None = None
        read_fd, write_fd = os.pipe()
        if sys.platform == "linux":  # a deeper pipe lets the worker run further ahead (1 MiB: a few dozen pages)
            import fcntl

            with contextlib.suppress(OSError):
                fcntl.fcntl(write_fd, fcntl.F_SETPIPE_SZ, 1 << 20)
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the worker: render every body in order, then leave without running the parent's cleanup
            status = 0
            try:
                children.die_with_parent(parent)
                os.close(read_fd)
                with os.fdopen(write_fd, "wb", buffering=1 << 16) as out:
                    for src_uri, base in self.order:
                        body, search = render(src_uri, base)
                        data = body.encode()
                        words = search.encode() if search is not None else b""
                        uri = src_uri.encode()
                        out.write(_HEADER.pack(len(uri), len(data), len(words) if search is not None else _NONE))
                        out.write(uri + data + words)
            except BaseException:
                status = 1
            finally:
                os._exit(status)
        os.close(write_fd)
        self.pid = pid
        self.reader = os.fdopen(read_fd, "rb", buffering=1 << 16)

    def take(self, src_uri: str) -> tuple[str, str | None] | None:
        """The body and search body of ``src_uri`` if it is the next page the worker made; otherwise None
        (and the worker is stopped: the caller renders this page and every later one itself)."""
        if self.reader is None or self.next >= len(self.order) or self.order[self.next][0] != src_uri:
            self.close()
            return None
        header = self.reader.read(_HEADER.size)
        if len(header) != _HEADER.size:
            self.close()
            return None
        n_uri, n_body, n_words = _HEADER.unpack(header)
        size = n_uri + n_body + (0 if n_words == _NONE else n_words)
        payload = self.reader.read(size)
        if len(payload) != size or payload[:n_uri].decode() != src_uri:
            self.close()
            return None
        self.next += 1
        body = payload[n_uri : n_uri + n_body].decode()
        words = None if n_words == _NONE else payload[n_uri + n_body :].decode()
        return body, words

    def close(self) -> None:
        """Stop the worker (if it still runs) and collect it."""
        if self.reader is not None:
            self.reader.close()  # a worker still writing gets a broken pipe and leaves
            self.reader = None
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, 9)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
            self.pid = None
