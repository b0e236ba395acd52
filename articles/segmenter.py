"""pyvi's word segmentation, fast, and checked against pyvi itself at start.

pyvi's ``ViTokenizer.tokenize`` builds a dictionary of CRF features for
every syllable in Python, looking the same lowercase forms and n-gram
flags up several times, and hands the dictionaries to its CRF tagger. Here
the same features are written directly as the tagger's attribute strings
(``"word.lower():xã"``, ``"-1:word.bi_gram()"``), each computed once, and
given to the same tagger: the same labels, about three times faster. Lines
already segmented (repeated leads, boilerplate) are answered from a cache.

This reaches into pyvi (its syllabizer, model and n-gram sets), so
``check()`` (run at start by ``ArticlesConfig.ready``) segments sample
sentences both ways and refuses to start if they differ.
"""

from __future__ import annotations

import string
import threading
from functools import lru_cache

_lock = threading.Lock()
_pyvi = None
_PUNCTUATION = set(string.punctuation)
LINE_CACHE = 1 << 15

# Sentences whose segmentation both ways must agree (tone placements,
# capitals, numbers, punctuation, a document number).
_SAMPLES = (
    "Sở Thông tin và Truyền thông tỉnh Bắc Giang tổ chức hội nghị chuyển đổi số năm 2021.",
    "UBND tỉnh Quảng Ngãi ban hành Quyết định số 225/QĐ-UBND về hạ tầng viễn thông thụ động.",
    "Bưu điện văn hoá xã, trạm BTS và mạng cáp quang phủ khắp 100% thôn, bản của huyện.",
    "Sáng nay (30/8), Thứ trưởng làm việc với Sở TT&TT Đắk Lắk về an toàn thông tin, chữ ký số.",
)


def _load():
    global _pyvi
    if _pyvi is None:
        with _lock:
            if _pyvi is None:
                import pycrfsuite
                from pyvi.ViTokenizer import ViTokenizer

                # pyvi writes its model to a temporary file at import; a forked
                # worker that has not tokenized once may find it deleted.
                ViTokenizer.tokenize("khởi động")
                _pyvi = (ViTokenizer, pycrfsuite, ViTokenizer.model.tagger_)
    return _pyvi


def _attributes(syllables: list[str], bigrams: set[str], trigrams: set[str]) -> list[list[str]]:
    """The CRF attributes pyvi's ``sent2features`` gives, as the tagger reads them."""
    n = len(syllables)
    lower = [s.lower() for s in syllables]
    upper = [s.isupper() for s in syllables]
    title = [s.istitle() for s in syllables]
    digit = [s.isdigit() for s in syllables]
    # bigram[i]: syllables i-1, i form a known word; trigram[i]: i-2 .. i.
    bigram = [False] + [f"{lower[i - 1]} {lower[i]}" in bigrams for i in range(1, n)]
    trigram = [False, False] + [
        f"{lower[i - 2]} {lower[i - 1]} {lower[i]}" in trigrams for i in range(2, n)
    ]
    items = []
    for i in range(n):
        item = ["bias", f"word.lower():{lower[i]}"]
        if upper[i]:
            item.append("word.isupper()")
        if title[i]:
            item.append("word.istitle()")
        if digit[i]:
            item.append("word.isdigit()")
        if i > 0:
            item.append(f"-1:word.lower():{lower[i - 1]}")
            if title[i - 1]:
                item.append("-1:word.istitle()")
            if upper[i - 1]:
                item.append("-1:word.isupper()")
            if bigram[i]:
                item.append("-1:word.bi_gram()")
            if i > 1 and trigram[i]:
                item.append("-2:word.tri_gram()")
        if i < n - 1:
            item.append(f"+1:word.lower():{lower[i + 1]}")
            if title[i + 1]:
                item.append("+1:word.istitle()")
            if upper[i + 1]:
                item.append("+1:word.isupper()")
            if bigram[i + 1]:
                item.append("+1:word.bi_gram()")
            if i < n - 2 and trigram[i + 2]:
                item.append("+2:word.tri_gram()")
        items.append(item)
    return items


def _segment_line(text: str) -> str:
    vi, crfsuite, tagger = _load()
    _, syllables = vi.sylabelize(text)
    if not syllables:
        return text
    items = _attributes(syllables, vi.bi_grams, vi.tri_grams)
    labels = tagger.tag(crfsuite.ItemSequence(items))
    parts = [syllables[0]]
    for i in range(1, len(labels)):
        current, previous = syllables[i], syllables[i - 1]
        joined = (
            labels[i] == "I_W"
            and current not in _PUNCTUATION
            and previous not in _PUNCTUATION
            and not current[0].isdigit()
            and not previous[0].isdigit()
            and not (current[0].istitle() and not previous[0].istitle())
        )
        parts.append("_" if joined else " ")
        parts.append(current)
    return "".join(parts)


_cached_line = lru_cache(maxsize=LINE_CACHE)(_segment_line)


def tokenize(text: str) -> str:
    """``ViTokenizer.tokenize(text)``: syllables of a word joined by "_"."""
    if len(text) > 2000:  # long lines are seldom repeated: do not fill the cache
        return _segment_line(text)
    return _cached_line(text)


def check() -> None:
    """Refuse to run if the fast path and pyvi segment the samples differently."""
    vi, _, _ = _load()
    for sample in _SAMPLES:
        expected = vi.tokenize(sample)
        got = _segment_line(sample)
        if got != expected:
            raise RuntimeError(
                "pyvi's segmentation changed; articles.segmenter no longer matches it "
                f"(sample {sample!r}: pyvi {expected!r}, ours {got!r}). "
                "Pin the pyvi version of requirements.txt or update the segmenter."
            )
