"""Folded syllable or word -> its most frequent spelling in the index."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from articles.text import fold


@lru_cache(maxsize=1)
def _fold_variants() -> dict[str, list[str]]:
    """Each letter that folding produces from others -> every letter folding to it."""
    variants: dict[str, set[str]] = {}
    for code in range(0x20, 0x2000):
        ch = chr(code)
        if ch.isalpha() and ch == ch.lower():
            variants.setdefault(fold(ch), set()).add(ch)
    return {k: sorted(v | {k}) for k, v in variants.items() if len(v | {k}) > 1}


class Spellings(Mapping):
    """Computed per key, never by reading the whole vocabulary (seconds at
    100,000 articles).

    Folding only changes vowels and đ, so every spelling of "chuyen" starts
    with "ch": a key is answered from the terms under that prefix (or under
    each letter that folds to its first letter), in the order the whole
    vocabulary would be read, so ties resolve the same way.
    """

    FIELDS = ("text", "words")

    def __init__(self, reader) -> None:
        self.reader = reader
        self.found: dict[str, str | None] = {}

    @staticmethod
    def _prefixes(key: str) -> list[str]:
        variants = _fold_variants()
        stable = ""
        for ch in key:
            if ch in variants:
                break
            stable += ch
        if stable:
            return [stable]
        return variants.get(key[:1], [key[:1]])

    def _lookup(self, key: str) -> str | None:
        if key in self.found:
            return self.found[key]
        best: tuple[int, str] = (0, "")
        for name in self.FIELDS:
            if name not in self.reader.schema:
                continue
            for prefix in self._prefixes(key):
                for term in self.reader.expand_prefix(name, prefix):
                    text = term.decode("utf-8") if isinstance(term, bytes) else term
                    # NFC text folds letter for letter (as highlighting assumes).
                    if len(text) != len(key) or text == key or fold(text) != key:
                        continue
                    frequency = self.reader.doc_frequency(name, text)
                    if frequency > best[0]:
                        best = (frequency, text)
        self.found[key] = best[1] or None
        return self.found[key]

    def __getitem__(self, key: str) -> str:
        spelled = self._lookup(key)
        if spelled is None:
            raise KeyError(key)
        return spelled

    def __contains__(self, key) -> bool:
        return isinstance(key, str) and bool(key) and self._lookup(key) is not None

    def __iter__(self):
        # A Mapping must iterate; only the keys looked up so far are known.
        return iter(k for k, v in self.found.items() if v)

    def __len__(self) -> int:
        return sum(1 for v in self.found.values() if v)
