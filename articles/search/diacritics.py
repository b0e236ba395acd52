"""A query typed without diacritics, spelled the way the archive most likely means it.

"tram bts ha nam" is read as "trạm bts hà nam", "so thong tin" as "sở
thông tin" and not "số thông tin": each syllable's spellings in the archive
are candidates, and the sequence chosen is the one whose neighbours most
often stand side by side in the articles (a bigram model decoded with
Viterbi), each syllable's own frequency breaking ties. The engine answers
the counts (``SearchEngine.spelling_variants`` and ``document_frequencies``
over the ``pairs`` field), so the same restoration serves every engine.

The restored spelling is used for the exact-diacritics evidence of the
ranking and for the "did you mean" suggestion; matching itself stays on
the folded syllables.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from itertools import pairwise

from articles.text import fold, has_diacritics

# Spellings considered per syllable: the commonest few cover real use.
CANDIDATES = 6
# How much more one pair seen together counts than one syllable seen alone.
PAIR_WEIGHT = 3.0

Variants = Callable[[str], Mapping[str, int]]
Frequencies = Callable[[str, Iterable[str]], Mapping[str, int]]


def restore(syllables: list[str], variants: Variants, frequencies: Frequencies) -> list[str]:
    """``syllables`` (folded, lowercase) as the archive would spell them.

    A syllable the archive never spells with diacritics stays as typed;
    syllables typed with diacritics are kept.
    """
    if not syllables:
        return []
    options: list[dict[str, int]] = []
    for syllable in syllables:
        if has_diacritics(syllable):
            options.append({syllable: 1})
            continue
        found = dict(variants(fold(syllable)))
        ranked = sorted(found.items(), key=lambda item: (-item[1], item[0]))[:CANDIDATES]
        options.append(dict(ranked) or {syllable: 0})
    # best[c] = (score, path) of the best spelling ending in candidate c.
    best = {c: (math.log1p(n), [c]) for c, n in options[0].items()}
    for previous, current in pairwise(options):
        pairs = frequencies("pairs", [f"{a}_{b}" for a in previous for b in current])
        step = {}
        for c, n in current.items():
            score, path = max(
                (
                    best[a][0] + PAIR_WEIGHT * math.log1p(pairs.get(f"{a}_{c}", 0)),
                    best[a][1],
                )
                for a in previous
            )
            step[c] = (score + math.log1p(n), [*path, c])
        best = step
    return max(best.values(), key=lambda item: item[0])[1]
