"""Where decoded postings are kept: in memory (a size-bounded LRU shared by
a process's snapshots) and on disk beside the index (``decoded/``)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)


class LRU:
    """Values by key, evicting the least recently used past ``limit`` bytes."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self._items: OrderedDict = OrderedDict()

    def get(self, key: Hashable):
        item = self._items.get(key)
        if item is None:
            return None
        self._items.move_to_end(key)
        return item[0]

    def put(self, key: Hashable, value, nbytes: int) -> None:
        if key in self._items:
            return
        self._items[key] = (value, nbytes)
        self.size += nbytes
        while self.size > self.limit and len(self._items) > 1:
            _, (_, freed) = self._items.popitem(last=False)
            self.size -= freed

    def drop(self, predicate: Callable[[Hashable], bool]) -> None:
        for key in [k for k in self._items if predicate(k)]:
            _, nbytes = self._items.pop(key)
            self.size -= nbytes


class DecodedStore:
    """Decoded posting lists and phrase matches kept on disk beside the index.

    Decoding a common word from Whoosh's blocks takes long enough that the
    first searches after a restart took seconds; what one process decoded
    slowly is written here (segments never change, so neither do their
    arrays), and every process, now and after a restart, loads it in a
    millisecond. Files are named by segment; a segment's files go when it
    is merged away, and the whole store with the index.
    """

    DIRNAME = "decoded"
    # Only what was slow to decode is kept: rare words decode fast anyway.
    SLOW_SECONDS = 0.005

    def __init__(self, index_path: str | os.PathLike) -> None:
        self.root = Path(index_path) / self.DIRNAME

    def _file(self, segid: str, key: tuple) -> Path:
        digest = hashlib.blake2b(repr(key).encode("utf-8"), digest_size=12).hexdigest()
        return self.root / f"{segid}-{digest}.npz"

    def load(self, segid: str, key: tuple) -> tuple[np.ndarray, ...] | None:
        try:
            with np.load(self._file(segid, key), allow_pickle=False) as data:
                return tuple(data[f"a{i}"] for i in range(len(data.files)))
        except (OSError, ValueError, KeyError):
            return None

    def save(self, segid: str, key: tuple, arrays: tuple[np.ndarray, ...]) -> None:
        target = self._file(segid, key)
        try:
            self.root.mkdir(exist_ok=True)
            # Written aside and renamed: a reader never sees half a file.
            fd, temporary = tempfile.mkstemp(dir=self.root, suffix=".tmp")
            with os.fdopen(fd, "wb") as out:
                np.savez(out, **{f"a{i}": a for i, a in enumerate(arrays)})
            os.replace(temporary, target)
        except OSError:  # a read-only or full disk only costs speed
            logger.debug("could not keep decoded postings in %s", self.root, exc_info=True)

    # -- what was slow, for warming the next generation ---------------------------

    WANTED = "wanted.jsonl"

    def note(self, kind: str, fieldname: str, value: str | list[str]) -> None:
        """Remember a slow lookup by what was asked (a term or a phrase), so a
        rebuild can do it on the new generation before readers need it."""
        line = json.dumps([kind, fieldname, value], ensure_ascii=False) + "\n"
        try:
            self.root.mkdir(exist_ok=True)
            # One short append per line: lines from several processes do not mix.
            with open(self.root / self.WANTED, "a", encoding="utf-8") as out:
                out.write(line)
        except OSError:
            logger.debug("could not note %s in %s", line.strip(), self.root, exc_info=True)

    def wanted(self, limit: int) -> list[tuple[str, str, str | tuple[str, ...]]]:
        """The lookups noted, most recent first, each once, at most ``limit``."""
        try:
            lines = (self.root / self.WANTED).read_text(encoding="utf-8").splitlines()
        except OSError:
            return []
        seen: dict[tuple, None] = {}
        for line in reversed(lines):
            try:
                kind, fieldname, value = json.loads(line)
            except ValueError:
                continue  # a line cut short by a crash
            seen.setdefault((kind, fieldname, tuple(value) if isinstance(value, list) else value))
            if len(seen) >= limit:
                break
        return list(seen)

    def forget_segments(self, current: set[str]) -> None:
        try:
            names = os.listdir(self.root)
        except OSError:
            return
        for name in names:
            segid = name.split("-", 1)[0]
            if name != self.WANTED and segid not in current and not name.endswith(".tmp"):
                with contextlib.suppress(OSError):
                    os.remove(self.root / name)
