"""What a page's address and its source marker say about its province.

A provincial portal (``stttt.quangngai.gov.vn``) or newspaper
(``baobinhduong.vn``, ``thainguyentv.vn``) is recognised from the
province's name without diacritics in its host name; ``articles/data/
sites.json`` lists the ones whose name says otherwise (``baodongkhoi.vn``
is Bến Tre's), the city newspapers that report on every province, the
national sites that carry no province by themselves, and the markers
newspapers open a lead with (``(BDO) -``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from articles.importer.provinces import ProvinceName, reference_provinces
from articles.text import fold

SITES_JSON = Path(__file__).resolve().parent.parent / "data" / "sites.json"

PORTAL = "portal"  # a provincial government site: its own province's news
NEWSPAPER = "newspaper"  # a provincial newspaper or broadcaster
CITY = "city"  # a Hà Nội or TP. HCM newspaper: reports on all provinces
PATH = "path"  # a province's name as a folder of the address
MARKER = "marker"  # "(BDO) -" at the start of the lead

_HOST_NOISE = ("www.", "m.", "amp.", "lite.", "mobile.", "backup.", "wwww.")
_TOP_LABELS = {"vn", "com", "org", "net", "gov", "edu", "info", "int", "biz"}
_PREFIXES = ("truyenhinh", "sotttt", "stttt", "ptth", "bao", "dai", "so")
_SUFFIXES = ("city", "online", "news", "tv")
_MIN_AFFIXED = 5  # "bao" + a name that short would match too much


@dataclass(frozen=True)
class SiteHint:
    province: str
    kind: str
    source: str  # what was read: a host, a folder, a marker

    def describe(self) -> str:
        what = {
            PORTAL: "cổng thông tin của tỉnh",
            NEWSPAPER: "báo, đài của tỉnh",
            CITY: "báo của thành phố",
            PATH: "thư mục trong địa chỉ",
            MARKER: "ký hiệu nguồn",
        }[self.kind]
        return f"{what} {self.source}"


def _compact(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold(text))


class SiteTable:
    def __init__(self, provinces: Iterable[ProvinceName], data: dict) -> None:
        self.names: dict[str, str] = {}
        for province in provinces:
            for spelling in (province.name, *province.variants):
                compact = _compact(spelling)
                if len(compact) >= 3:
                    self.names.setdefault(compact, province.name)
        self.hosts = {host: name for host, name in data.get("hosts", {}).items()}
        self.city_hosts = dict(data.get("city_hosts", {}))
        self.national = set(data.get("national", ()))
        self.markers = {fold(k): v for k, v in data.get("markers", {}).items()}

    def host_hint(self, url: str) -> SiteHint | None:
        host = host_of(url)
        if not host or self._is_national(host):
            return None
        for table, kind in ((self.hosts, NEWSPAPER), (self.city_hosts, CITY)):
            for known, province in table.items():
                if host == known or host.endswith("." + known):
                    return SiteHint(province, kind, host)
        labels = [label for label in host.split(".") if label not in _TOP_LABELS]
        kind = PORTAL if ".gov." in f".{host}." else NEWSPAPER
        for label in reversed(labels):
            province = self._province_in_label(label)
            if province:
                return SiteHint(province, kind, host)
        return None

    def path_hint(self, url: str) -> SiteHint | None:
        try:
            path = unquote(urlsplit(url).path)
        except ValueError:
            return None
        for segment in path.lower().split("/"):
            province = self.names.get(segment) if len(segment) >= _MIN_AFFIXED else None
            if province:
                return SiteHint(province, PATH, f"/{segment}/")
        return None

    def marker_hint(self, marker: str) -> SiteHint | None:
        if not marker:
            return None
        province = self.markers.get(fold(marker))
        if province:
            return SiteHint(
                province, CITY if province in self.city_hosts.values() else MARKER, f"({marker})"
            )
        # "(Baonghean.vn)": a host written as the marker.
        if "." in marker:
            hint = self.host_hint("http://" + marker.lower())
            if hint:
                return SiteHint(hint.province, MARKER, f"({marker})")
        return None

    def _province_in_label(self, label: str) -> str | None:
        if label in self.names:
            return self.names[label]
        for prefix in ("", *_PREFIXES):
            if not label.startswith(prefix):
                continue
            core = label[len(prefix) :]
            for suffix in ("", *_SUFFIXES):
                if suffix and not core.endswith(suffix):
                    continue
                name = core[: len(core) - len(suffix)] if suffix else core
                if (prefix or suffix) and len(name) >= _MIN_AFFIXED and name in self.names:
                    return self.names[name]
        return None

    def _is_national(self, host: str) -> bool:
        return any(host == site or host.endswith("." + site) for site in self.national)


def host_of(url: str) -> str:
    try:
        host = (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return ""
    changed = True
    while changed:
        changed = False
        for noise in _HOST_NOISE:
            if host.startswith(noise):
                host = host[len(noise) :]
                changed = True
    return host


@cache
def site_data() -> dict:
    return json.loads(SITES_JSON.read_text(encoding="utf-8"))


@cache
def default_sites() -> SiteTable:
    return SiteTable(reference_provinces(), site_data())
