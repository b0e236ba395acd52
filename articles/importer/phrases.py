"""One regular expression for many phrases, factored as a trie.

A plain alternation of a few hundred names is tried name by name at every
word of a page, and was most of the import's time; factored on common
prefixes, each position costs a step or two. Matching is the same: a phrase
that continues a shorter one is preferred to it, as the longest-first
alternation did.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

_END = ""  # the key that marks the end of a phrase in a trie node
_GAP = None  # the key of the separator between two words


def phrase_trie(phrases: Iterable[Sequence[str]], gap: str) -> str:
    """A pattern matching any of ``phrases`` (each a sequence of literal
    words), the words separated by ``gap`` (a pattern, such as ``\\s+``)."""
    root: dict = {}
    for words in phrases:
        node = root
        for index, word in enumerate(w for w in words if w):
            if index:
                node = node.setdefault(_GAP, {})
            for char in word:
                node = node.setdefault(char, {})
        if node is not root:
            node[_END] = {}
    return _pattern(root, gap) or "(?!)"


def _pattern(node: dict, gap: str) -> str:
    branches = [
        (gap if key is _GAP else re.escape(key)) + _pattern(child, gap)
        for key, child in sorted(node.items(), key=lambda item: (item[0] is None, item[0] or ""))
        if key != _END
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if _END in node:
        # Greedy: the longer phrase first, the one ending here if it fails.
        return f"(?:{body})?" if len(branches) > 1 or len(body) > 1 else f"{body}?"
    return body
