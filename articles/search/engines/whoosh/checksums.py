"""Digests of the index's files, to find damage that still decodes.

Whoosh never changes a segment file once written (merges write new ones), so
each file is digested once, after the commit that wrote it, and ``verify``
reads everything back. Bytes flipped inside a posting list can decode to
other documents or weights without any error; only this comparison finds
them.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

SUMS = "CHECKSUMS.json"
_CHUNK = 1 << 20


def _digest(path: Path) -> str:
    digest = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _index_files(folder: Path) -> dict[str, Path]:
    """Whoosh's segment files and tables of contents (not its lock file)."""
    return {
        path.name: path
        for path in folder.iterdir()
        if path.is_file()
        and path.name.startswith(("MAIN_", "_MAIN_"))
        and not path.name.endswith("WRITELOCK")
    }


def _load(folder: Path) -> dict[str, str]:
    try:
        return json.loads((folder / SUMS).read_text())
    except (FileNotFoundError, ValueError):
        return {}


def record(folder: Path) -> None:
    """Digest the files written since the last call (call under the write lock)."""
    known = _load(folder)
    present = _index_files(folder)
    sums = {name: digest for name, digest in known.items() if name in present}
    for name, path in present.items():
        if name not in sums:
            try:
                sums[name] = _digest(path)
            except FileNotFoundError:  # removed by Whoosh after a merge
                continue
    partial = folder / f".{SUMS}.tmp"
    partial.write_text(json.dumps(sums, sort_keys=True))
    os.replace(partial, folder / SUMS)


def verify(folder: Path) -> list[str]:
    """The files whose bytes differ from their digest, with what is wrong."""
    problems = []
    for name, expected in sorted(_load(folder).items()):
        try:
            actual = _digest(folder / name)
        except FileNotFoundError:
            continue  # merged away since; a file the index needs is checked by opening it
        if actual != expected:
            problems.append(f"tệp {name} đã bị thay đổi sau khi ghi (sai tổng kiểm)")
    return problems
