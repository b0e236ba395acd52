"""Folded syllable -> its spellings in the index, with their document frequencies."""

from __future__ import annotations

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


class Spellings:
    """Computed per key, never by reading the whole vocabulary (seconds at
    100,000 articles).

    Folding only changes vowels and đ, so every spelling of "chuyen" starts
    with "ch": a key is answered from the terms under that prefix (or under
    each letter that folds to its first letter).
    """

    FIELD = "text"

    def __init__(self, reader) -> None:
        self.reader = reader
        self.found: dict[str, dict[str, int]] = {}

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

    def variants(self, key: str) -> dict[str, int]:
        if key in self.found:
            return self.found[key]
        out: dict[str, int] = {}
        if key and self.FIELD in self.reader.schema:
            for prefix in self._prefixes(key):
                for term in self.reader.expand_prefix(self.FIELD, prefix):
                    text = term.decode("utf-8") if isinstance(term, bytes) else term
                    # NFC text folds letter for letter (as highlighting assumes).
                    if len(text) != len(key) or fold(text) != key:
                        continue
                    out[text] = self.reader.doc_frequency(self.FIELD, text)
        self.found[key] = out
        return out
