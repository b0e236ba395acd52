"""Titles for pages whose scrape starts with the lead (no headline line).

Two sources, in this order: the address's slug, which most news sites make
from the headline (``.../lao-cai-dua-trung-tam-dieu-hanh-thong-minh-vao-
hoat-dong-d35065.htm``), written back with the diacritics the page itself
uses for those words; otherwise the lead's first sentence, shortened at a
word boundary. Either way the article is flagged for an editor to check.
"""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import unquote, urlsplit

from articles.importer.markers import split_source_marker
from articles.text import fold

MAX_TITLE_CHARS = 160
MIN_SLUG_WORDS = 4
_WORD_RE = re.compile(r"\w+", re.UNICODE)
# Trailing ids CMSs append to slugs: "-d35065", "-post2714", "-a54505",
# "-c50282620", "-20131106085800483", "-3058499".
_SLUG_ID_RE = re.compile(r"(?:[-_](?:[a-z]{0,4}\d+[a-z]*\d*|\d+))+$")


def slug_words(url: str) -> list[str]:
    """The words of the address's slug, without its trailing ids."""
    try:
        path = unquote(urlsplit(url).path)
    except ValueError:
        return []
    best: list[str] = []
    for segment in path.split("/"):
        segment = re.sub(r"\.[a-z]{2,5}$", "", segment.lower())
        segment = _SLUG_ID_RE.sub("", segment)
        words = [w for w in re.split(r"[-_]+", segment) if w]
        if len(words) > len(best) and all(w.isascii() for w in words):
            best = words
    return best if len(best) >= MIN_SLUG_WORDS else []


def title_from_slug(url: str, text: str) -> str | None:
    """The slug's words as the page spells them, or None where that is unclear.

    Runs of slug words found one after another in the page take the page's
    spelling of the run ("binh dinh" → "Bình Định", never "bính đinh"); a
    word the page spells two ways by itself is ambiguous and gives up.
    """
    slug = slug_words(url)
    if not slug:
        return None
    tokens = _WORD_RE.findall(text)
    folded = [fold(t) for t in tokens]
    spelled: list[str] = []
    i = 0
    while i < len(slug):
        run = _longest_run(slug, i, folded)
        if run == 0:
            return None
        forms = Counter(
            " ".join(tokens[j : j + run])
            for j in range(len(folded) - run + 1)
            if folded[j : j + run] == slug[i : i + run]
        )
        if run == 1 and len({f.lower() for f in forms}) > 1:
            return None
        spelled.append(forms.most_common(1)[0][0])
        i += run
    title = " ".join(spelled)
    return title[0].upper() + title[1:]


def _longest_run(slug: list[str], start: int, folded: list[str]) -> int:
    best = 0
    for j in range(len(folded)):
        length = 0
        while (
            start + length < len(slug)
            and j + length < len(folded)
            and folded[j + length] == slug[start + length]
        ):
            length += 1
        best = max(best, length)
    return best


def title_from_lead(lead: str) -> str:
    """The lead's first sentence, shortened at a word boundary."""
    text = split_source_marker(lead)[1].strip(" -–")
    sentence = re.split(r"(?<=[.!?…])\s+(?=[A-ZĐÀ-Ỹ\"“])", text, maxsplit=1)[0]
    return shorten(sentence.rstrip(". "))


def shorten(text: str, limit: int = MAX_TITLE_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:-–")
    return cut + "…"
