"""Whose news an article is: the province, from every signal the page gives.

Signals, strongest first: the headline naming a province ("Lào Cai: ..."),
a provincial portal or newspaper as the source (its address, its marker
such as "(BDO) -"), the lead ("Sở TT&TT tỉnh X", "UBND tỉnh X"), the
address's slug, and the rest of the text. Each adds weight to its province;
the heaviest wins if it carries enough, and a close second makes the
decision unclear (the editor sees both). A national site carries no
province by itself; a meeting "tại Hà Nội" does not make its news Hà Nội's.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from articles.importer.provinces import (
    DEPARTMENT_WEIGHT,
    LOCAL_WEIGHT,
    MENTION_WEIGHT,
    VENUE_WEIGHT,
    ProvinceMatcher,
    default_districts,
)
from articles.importer.sites import CITY, MARKER, NEWSPAPER, PATH, PORTAL, SiteHint, SiteTable
from articles.text import fold

# Weights of the signals (see the module docstring).
SITE_WEIGHT = {PORTAL: 8.0, NEWSPAPER: 6.0, MARKER: 5.0, PATH: 4.0, CITY: 2.0}
TITLE_WEIGHT = {DEPARTMENT_WEIGHT: 8.0, LOCAL_WEIGHT: 7.0, MENTION_WEIGHT: 6.0, VENUE_WEIGHT: 3.0}
TITLE_AGAIN = 1.0
SLUG_WEIGHT = 4.0
LEAD_WEIGHT = {DEPARTMENT_WEIGHT: 5.0, LOCAL_WEIGHT: 4.0, MENTION_WEIGHT: 2.0, VENUE_WEIGHT: 1.0}
BODY_WEIGHT = {DEPARTMENT_WEIGHT: 2.0, LOCAL_WEIGHT: 1.5, MENTION_WEIGHT: 0.5, VENUE_WEIGHT: 0.25}
BODY_CAP = 6.0
ENOUGH = 4.0  # the least weight that names a province
FEW = 1.5  # ... or this much, when no other province comes near (ALONE times less)
ALONE = 3.0
CLOSE = 0.5  # a second province this close to the first makes it unclear
TIED = 0.8  # two provinces this close, both in the headline: the news of both


@dataclass(frozen=True)
class ProvinceDecision:
    province: str | None
    signal: str  # what decided it, for the editor
    clear: bool = True
    rival: str | None = None


class _Tally:
    def __init__(self) -> None:
        self.in_title: set[str] = set()
        self.site = False
        self.city: dict[str, float] = {}
        self.national_voice = False
        self.scores: dict[str, float] = defaultdict(float)
        self.reasons: dict[str, list[tuple[float, str]]] = defaultdict(list)

    def add(self, province: str, weight: float, reason: str) -> None:
        if weight > 0:
            self.scores[province] += weight
            self.reasons[province].append((weight, reason))

    def decide(self) -> ProvinceDecision:
        ranked = sorted(self.scores, key=lambda p: -self.scores[p])
        if not ranked:
            return ProvinceDecision(None, "bài không nêu tỉnh nào", clear=False)
        best = ranked[0]
        rival = ranked[1] if len(ranked) > 1 else None
        score, second = self.scores[best], self.scores[rival] if rival else 0.0
        # Enough weight, or a few mentions of one province in the text and
        # hardly any other (a city newspaper's own city is not a mention).
        in_text = score - self.city.get(best, 0.0)
        few = in_text >= FEW and score >= ALONE * second and not self.national_voice
        if score < ENOUGH and not few:
            return ProvinceDecision(None, "bài không nêu rõ tỉnh nào", clear=False)
        reason = max(self.reasons[best])[1]
        if rival and second >= CLOSE * score:
            if self.in_title >= {best, rival} and not self.site and second >= TIED * score:
                # "... tại Hà Nội và TP.HCM": the news of both, filed under neither.
                return ProvinceDecision(None, f"tin của nhiều tỉnh: {best}, {rival}", clear=False)
            return ProvinceDecision(best, reason, clear=False, rival=rival)
        return ProvinceDecision(best, reason)


def decide_province(
    *,
    title: str,
    lead: str,
    body: str,
    url: str,
    marker: str,
    matcher: ProvinceMatcher,
    sites: SiteTable,
    title_is_headline: bool = True,
) -> ProvinceDecision:
    tally = _Tally()
    tally.national_voice = national_voice(f"{lead}\n{body}")
    site = _site(url, marker, sites)
    if site is not None:
        tally.add(site.province, SITE_WEIGHT[site.kind], site.describe())
        tally.site = site.kind != CITY
        if site.kind == CITY:
            tally.city[site.province] = SITE_WEIGHT[CITY]

    if title_is_headline:
        seen: set[str] = set()
        for mention in matcher.mentions(title):
            if mention.province in seen:
                tally.add(mention.province, TITLE_AGAIN, f"tiêu đề: {title[:80]}")
                continue
            seen.add(mention.province)
            tally.in_title.add(mention.province)
            weight = TITLE_WEIGHT.get(mention.weight, 0.0)
            tally.add(mention.province, weight, f"tiêu đề: {title[:80]}")

    if url:
        slug = " ".join(_slug(url))
        for mention in matcher.loose().mentions(slug)[:1]:
            tally.add(mention.province, SLUG_WEIGHT, f"địa chỉ bài: {slug[:60]}")

    districts = default_districts()
    for mention in [*matcher.mentions(lead), *districts.mentions(lead)]:
        weight = LEAD_WEIGHT.get(mention.weight, 0.0)
        tally.add(mention.province, weight, f"đoạn mở đầu: …{_around(lead, mention.start)}…")

    from_body: dict[str, float] = defaultdict(float)
    for mention in [*matcher.mentions(body), *districts.mentions(body)]:
        from_body[mention.province] += BODY_WEIGHT.get(mention.weight, 0.0)
    for province, weight in from_body.items():
        tally.add(province, min(weight, BODY_CAP), "được nhắc trong bài")
    return tally.decide()


# A province's news speaks of "the province" without naming it ("UBND tỉnh",
# "toàn tỉnh"); a national article of the country ("cả nước", "các địa
# phương"). One that speaks more of the country needs more than a few
# mentions of a province to be filed under it.
_PROVINCIAL_VOICE = re.compile(
    r"\b(?:ubnd tinh|toan tinh|cua tinh|tren dia ban tinh|trong tinh|tinh uy|lanh dao tinh|"
    r"cap tinh)\b"
)
_NATIONAL_VOICE = re.compile(r"\b(?:ca nuoc|toan quoc|cac dia phuong|cac tinh|63 tinh|quoc gia)\b")


def national_voice(text: str) -> bool:
    folded = fold(text)
    return len(_NATIONAL_VOICE.findall(folded)) > len(_PROVINCIAL_VOICE.findall(folded))


def _site(url: str, marker: str, sites: SiteTable) -> SiteHint | None:
    """The strongest of the address and the marker: they are one newspaper."""
    hints = [h for h in (sites.host_hint(url), sites.marker_hint(marker)) if h]
    if not hints:
        hints = [h for h in (sites.path_hint(url),) if h]
    return max(hints, key=lambda h: SITE_WEIGHT[h.kind], default=None)


def _slug(url: str) -> list[str]:
    from articles.importer.titles import slug_words

    return slug_words(url)


def _around(text: str, start: int, width: int = 50) -> str:
    return " ".join(text[max(0, start - width // 2) : start + width].split())
