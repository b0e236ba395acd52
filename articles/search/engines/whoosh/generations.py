"""The index folder as generations: one serves, a rebuild writes the next beside it.

    <root>/CURRENT        name of the generation that serves
    <root>/g…/            a whole Whoosh index (and its ``decoded/`` arrays)
    <root>/BUILDING       name of the generation a rebuild is writing
    <root>/write.lock     held by whoever writes to the serving generation
    <root>/build.lock     held by the rebuild for as long as it runs

Readers follow ``CURRENT``: the switch is one ``os.replace``, so a search
reads the old generation or the new one, whole, never a half-built one.
Writers hold ``write.lock`` (taken before they look at ``CURRENT``) and,
while a rebuild runs, note the articles they changed in its ``journal``;
the rebuild applies the journal, then switches under the same lock, so an
edit made during the build is in the new generation. A rebuild that dies
leaves ``CURRENT`` as it was; its folder is removed by the next cleanup,
which knows it is dead because nobody holds ``build.lock``.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from articles.search.engines.base import IndexLocked

LOCK_POLL = 0.02
STAMP = "portal-version"
JOURNAL = "journal"


@contextlib.contextmanager
def _flock(path: Path, timeout: float | None, blocking_message: str) -> Iterator[None]:
    """An exclusive lock on ``path``; ``timeout`` None waits forever, 0 not at all."""
    handle = open(path, "a+")  # noqa: SIM115 (held for the lock's lifetime)
    try:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if deadline is not None and time.monotonic() >= deadline:
                    raise IndexLocked(blocking_message) from None
                time.sleep(LOCK_POLL)
        yield
    finally:
        handle.close()  # releases the lock


class Generations:
    """``stamp`` is written into every generation begun empty here: the
    version of the code that makes documents (``document.document_version``)."""

    def __init__(self, root: str | Path, stamp: str = "") -> None:
        self.root = Path(root)
        self.new_stamp = stamp

    # -- which generation serves ---------------------------------------------------

    def current_name(self) -> str | None:
        try:
            name = (self.root / "CURRENT").read_text().strip()
        except FileNotFoundError:
            return None
        return name or None

    def current(self) -> Path:
        """The serving generation's folder; a first, empty one when there is none."""
        name = self.current_name()
        if name is None:
            self.root.mkdir(parents=True, exist_ok=True)
            with self.write_lock(None):
                name = self.current_name()
                if name is None:
                    name = self._new_name()
                    (self.root / name).mkdir()
                    if self.new_stamp:
                        (self.root / name / STAMP).write_text(self.new_stamp + "\n")
                    self._point("CURRENT", name)
        return self.root / name

    def _new_name(self) -> str:
        return f"g{time.time_ns():x}-{os.getpid()}"

    def _point(self, pointer: str, name: str) -> None:
        temporary = self.root / f".{pointer}.{os.getpid()}"
        temporary.write_text(name + "\n")
        os.replace(temporary, self.root / pointer)

    # -- locks ---------------------------------------------------------------------

    def write_lock(self, timeout: float | None):
        self.root.mkdir(parents=True, exist_ok=True)
        return _flock(self.root / "write.lock", timeout, "another process is writing to the index")

    def build_running(self) -> bool:
        try:
            with _flock(self.root / "build.lock", 0, ""):
                return False
        except IndexLocked:
            return True

    # -- a rebuild -----------------------------------------------------------------

    @contextlib.contextmanager
    def building(self) -> Iterator[Path]:
        """A new generation's folder, marked as being built, for the ``with`` block.

        From the moment it is marked, writers journal what they change.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        with _flock(self.root / "build.lock", 0, "another rebuild is running"):
            self.cleanup()
            target = self.root / self._new_name()
            target.mkdir()
            with self.write_lock(None):
                (target / JOURNAL).touch()
                self._point("BUILDING", target.name)
            try:
                yield target
            finally:
                with contextlib.suppress(FileNotFoundError):
                    if (self.root / "BUILDING").read_text().strip() == target.name:
                        (self.root / "BUILDING").unlink()
                if self.current_name() != target.name:
                    shutil.rmtree(target, ignore_errors=True)

    def note_changes(self, ids: Iterable[int]) -> None:
        """Journal changed articles for a rebuild in progress (call under the write lock)."""
        try:
            name = (self.root / "BUILDING").read_text().strip()
        except FileNotFoundError:
            return
        journal = self.root / name / JOURNAL
        if not name or not journal.exists():
            return
        lines = "".join(f"{pk}\n" for pk in ids)
        if lines:
            with open(journal, "a") as handle:
                handle.write(lines)

    @staticmethod
    def read_journal(target: Path, offset: int) -> tuple[set[int], int]:
        """Articles journaled since ``offset`` (whole lines only), and the new offset."""
        with open(target / JOURNAL, "rb") as handle:
            handle.seek(offset)
            data = handle.read()
        complete = data[: data.rfind(b"\n") + 1]
        ids = {int(line) for line in complete.split()}
        return ids, offset + len(complete)

    def switch(self, target: Path, stamp: str) -> None:
        """Make ``target`` the serving generation (call under the write lock)."""
        (target / STAMP).write_text(stamp + "\n")
        self._point("CURRENT", target.name)

    # -- the stamp and leftovers ---------------------------------------------------

    def stamp(self) -> str | None:
        name = self.current_name()
        if name is None:
            return None
        try:
            return (self.root / name / STAMP).read_text().strip() or None
        except FileNotFoundError:
            return None

    def set_stamp(self, stamp: str) -> None:
        (self.current() / STAMP).write_text(stamp + "\n")

    def cleanup(self, keep_previous: str | None = None) -> list[str]:
        """Remove generations neither serving nor being built, and an index
        written by older versions straight into the root. ``keep_previous``
        is kept for readers that opened it just before a switch."""
        current = self.current_name()
        building = None
        with contextlib.suppress(FileNotFoundError):
            building = (self.root / "BUILDING").read_text().strip() or None
        removed = []
        for entry in self.root.iterdir() if self.root.exists() else []:
            name = entry.name
            if entry.is_dir() and name.startswith("g") and name not in {current, keep_previous}:
                if name == building and self.build_running():
                    continue
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(name)
            elif entry.is_file() and (name.startswith("_MAIN_") or name.startswith("MAIN_")):
                entry.unlink(missing_ok=True)
                removed.append(name)
            elif entry.is_dir() and name == "decoded":
                shutil.rmtree(entry, ignore_errors=True)
        return removed
