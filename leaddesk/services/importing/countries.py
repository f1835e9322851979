"""Country names and codes, as people type them, to ISO 3166 alpha-2 codes ('Italia', 'Italy', 'ITA' -> 'IT').

Names come from CLDR (through Babel) in the languages LeadDesk's users and their files use, plus the
ISO alpha-3 codes CLDR lists as aliases and a few everyday names CLDR does not use ('UK', 'USA',
'Inghilterra', 'Holland').
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping

_LANGUAGES = ("en", "it", "de", "fr", "es", "pt")
#: Codes that are not countries (unknown region, European Union, ...).
_NOT_COUNTRIES = frozenset({"ZZ", "EU", "EZ", "UN", "QO"})

_EVERYDAY = {
    "uk": "GB",
    "gb": "GB",
    "gbr": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "great britain": "GB",
    "inghilterra": "GB",
    "scozia": "GB",
    "galles": "GB",
    "gran bretagna": "GB",
    "usa": "US",
    "u s a": "US",
    "u s": "US",
    "united states of america": "US",
    "stati uniti d america": "US",
    "america": "US",
    "holland": "NL",
    "olanda": "NL",
    "the netherlands": "NL",
    "czech republic": "CZ",
    "repubblica ceca": "CZ",
    "south korea": "KR",
    "korea": "KR",
    "corea": "KR",
    "russian federation": "RU",
    "vatican": "VA",
    "vaticano": "VA",
    "santa sede": "VA",
    "emirati arabi": "AE",
    "uae": "AE",
    "ivory coast": "CI",
    "costa d avorio": "CI",
    "macedonia": "MK",
    "burma": "MM",
    "swaziland": "SZ",
    "turkey": "TR",
    "turchia": "TR",
    "repubblica di san marino": "SM",
}

_SPACES = re.compile(r"[^0-9a-z]+")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", plain.casefold()).strip()


def _cldr_names() -> tuple[dict[str, str], set[str], Mapping[str, list[str]]]:
    """(folded name -> code, codes, CLDR territory aliases) from Babel."""
    from babel import Locale
    from babel.core import get_global

    names: dict[str, str] = {}
    codes: set[str] = set()
    for language in _LANGUAGES:
        for code, name in Locale.parse(language).territories.items():
            if len(code) != 2 or not code.isalpha() or code in _NOT_COUNTRIES:
                continue
            codes.add(code)
            names.setdefault(_fold(name), code)
    aliases: Mapping[str, list[str]] = get_global("territory_aliases")
    return names, codes, aliases


@functools.cache
def _index() -> dict[str, str]:
    names, codes, aliases = _cldr_names()
    index = dict(names)
    for code in codes:
        index.setdefault(code.lower(), code)
    for alias, targets in aliases.items():
        if len(alias) == 3 and alias.isalpha() and len(targets) == 1 and targets[0] in codes:
            index.setdefault(alias.lower(), targets[0])
    for name, code in _EVERYDAY.items():
        index[_fold(name)] = code
    return index


@functools.lru_cache(maxsize=4096)
def country_code(text: str) -> str | None:
    """The ISO 3166-1 alpha-2 code for a country name or code, or None when it is not recognised."""
    key = _fold(text)
    if not key:
        return None
    return _index().get(key)
