"""Lead scoring: transparent rules, a pure scoring function and the breakdown that explains a score.

A score is the sum of points from two families of rules:

- **fit** (who the lead is): job title / role keywords, company size band, industry, country;
- **engagement** (what the lead did): points per campaign touch (capped), recency of the last touch, and
  points for each kind of content the lead has seen (each kind counts once).

Inside each list the *first* matching rule counts (job title, size, industry, country, recency), so the
order of the rules is part of the rules and a person can read the result top to bottom. Content types add
up. A score never goes below zero. Leads at or above `mql_threshold` are *hot*.

Everything here is plain data so that the settings page, the scoring service, the import and the tests all
read the same rules; `rules_to_dict` / `rules_from_dict` are the stored form (team setting "scoring").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from leaddesk.domain.errors import ValidationError
from leaddesk.domain.identity import fold

SETTING_KEY = "scoring"


class RuleKind(StrEnum):
    JOB_TITLE = "job_title"
    COMPANY_SIZE = "company_size"
    INDUSTRY = "industry"
    COUNTRY = "country"
    TOUCHES = "touches"
    RECENCY = "recency"
    CONTENT = "content"

    @property
    def is_fit(self) -> bool:
        return self in (RuleKind.JOB_TITLE, RuleKind.COMPANY_SIZE, RuleKind.INDUSTRY, RuleKind.COUNTRY)


@dataclass(frozen=True, slots=True)
class KeywordRule:
    """Points when the field contains one of the keywords (whole words, case and accents ignored)."""

    label: str
    keywords: tuple[str, ...]
    points: int


@dataclass(frozen=True, slots=True)
class SizeBand:
    """Points when the company has between `min_size` and `max_size` employees (None: no upper end)."""

    min_size: int
    max_size: int | None
    points: int

    def covers(self, size: int) -> bool:
        return size >= self.min_size and (self.max_size is None or size <= self.max_size)

    @property
    def label(self) -> str:
        if self.max_size is None:
            return f"{self.min_size}+"
        return f"{self.min_size}–{self.max_size}"


@dataclass(frozen=True, slots=True)
class RecencyBand:
    """Points when the last touch is at most `within_days` days old."""

    within_days: int
    points: int


@dataclass(frozen=True, slots=True)
class ScoringRules:
    job_titles: tuple[KeywordRule, ...] = ()
    company_sizes: tuple[SizeBand, ...] = ()
    industries: tuple[KeywordRule, ...] = ()
    countries: tuple[KeywordRule, ...] = ()
    points_per_touch: int = 0
    max_touch_points: int = 0
    recency: tuple[RecencyBand, ...] = ()
    #: content_type → points, each type counted once per lead.
    content_types: tuple[tuple[str, int], ...] = ()
    mql_threshold: int = 60

    def is_hot(self, score: int) -> bool:
        return score >= self.mql_threshold


def default_rules() -> ScoringRules:
    """The rules a new team starts from: sensible for an Italian B2B seller, meant to be edited."""
    return ScoringRules(
        job_titles=(
            KeywordRule(
                "Decision maker",
                (
                    "ceo",
                    "amministratore delegato",
                    "titolare",
                    "owner",
                    "founder",
                    "direttore",
                    "director",
                    "head",
                    "cto",
                    "cfo",
                    "coo",
                    "general manager",
                ),
                25,
            ),
            KeywordRule(
                "Manager or buyer", ("responsabile", "manager", "buyer", "acquisti", "purchasing"), 15
            ),
            KeywordRule(
                "No buying role",
                ("stagista", "intern", "studente", "student", "assistente", "assistant"),
                -10,
            ),
        ),
        company_sizes=(
            SizeBand(1, 9, 0),
            SizeBand(10, 49, 5),
            SizeBand(50, 249, 15),
            SizeBand(250, 999, 20),
            SizeBand(1000, None, 10),
        ),
        industries=(
            KeywordRule(
                "Target industry",
                ("manifattura", "manufacturing", "logistica", "logistics", "alimentare", "food"),
                15,
            ),
            KeywordRule("Adjacent industry", ("retail", "edilizia", "construction", "software"), 5),
        ),
        countries=(
            KeywordRule("Home market", ("it", "italy", "italia"), 10),
            KeywordRule("Served markets", ("ch", "de", "at", "fr", "es"), 5),
        ),
        points_per_touch=5,
        max_touch_points=20,
        recency=(RecencyBand(7, 15), RecencyBand(30, 10), RecencyBand(90, 5)),
        content_types=(
            ("demo_request", 20),
            ("pricing_page", 15),
            ("webinar", 10),
            ("event", 10),
            ("case_study", 8),
            ("whitepaper", 5),
            ("email", 2),
        ),
        mql_threshold=90,
    )


# --- facts and breakdown ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LeadFacts:
    """What scoring reads about one lead; the service fetches these in batches."""

    job_title: str | None = None
    company_size: int | None = None
    industry: str | None = None
    country: str | None = None
    touches: int = 0
    last_touch_at: datetime | None = None
    content_types: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ScoreItem:
    """One line of a score's explanation: which rule gave how many points, and why."""

    kind: RuleKind
    rule: str
    detail: str
    points: int


@dataclass(frozen=True, slots=True)
class ScoreBreakdown:
    total: int
    threshold: int
    items: tuple[ScoreItem, ...] = field(default_factory=tuple)

    @property
    def hot(self) -> bool:
        return self.total >= self.threshold

    @property
    def fit(self) -> int:
        return sum(i.points for i in self.items if i.kind.is_fit)

    @property
    def engagement(self) -> int:
        return sum(i.points for i in self.items if not i.kind.is_fit)


# --- scoring ---------------------------------------------------------------------------------------


def _words(text: str | None) -> str:
    """Folded text with every non-alphanumeric run turned into one space, padded for whole-word search."""
    folded = fold(text)
    if not folded:
        return ""
    return " " + " ".join("".join(ch if ch.isalnum() else " " for ch in folded).split()) + " "


def _normalise_keywords(keywords: Iterable[str]) -> tuple[str, ...]:
    return tuple(k for k in (_words(k) for k in keywords) if k.strip())


class CompiledRules:
    """Rules prepared for scoring many leads fast (keywords folded once)."""

    def __init__(self, rules: ScoringRules) -> None:
        self.rules = rules
        self._titles = [(r, _normalise_keywords(r.keywords)) for r in rules.job_titles]
        self._industries = [(r, _normalise_keywords(r.keywords)) for r in rules.industries]
        self._countries = [(r, _normalise_keywords(r.keywords)) for r in rules.countries]
        self._content = dict(rules.content_types)
        self._recency = sorted(rules.recency, key=lambda b: b.within_days)
        # Many leads share a job title, an industry or a country: remember each answer.
        self._cache: dict[tuple[int, str | None], tuple[KeywordRule, str] | None] = {}

    def _first_keyword(
        self, rules: list[tuple[KeywordRule, tuple[str, ...]]], text: str | None
    ) -> tuple[KeywordRule, str] | None:
        key = (id(rules), text)
        try:
            return self._cache[key]
        except KeyError:
            pass
        found = self._match(rules, text)
        if len(self._cache) < 100_000:
            self._cache[key] = found
        return found

    @staticmethod
    def _match(
        rules: list[tuple[KeywordRule, tuple[str, ...]]], text: str | None
    ) -> tuple[KeywordRule, str] | None:
        words = _words(text)
        if not words:
            return None
        for rule, keywords in rules:
            for keyword in keywords:
                if keyword in words:
                    return rule, keyword.strip()
        return None

    def _size_band(self, size: int | None) -> SizeBand | None:
        if size is None:
            return None
        return next((b for b in self.rules.company_sizes if b.covers(size)), None)

    def _recency_band(self, last: datetime | None, now: datetime) -> tuple[RecencyBand, int] | None:
        if last is None:
            return None
        days = max((now - last).days, 0)
        band = next((b for b in self._recency if days <= b.within_days), None)
        return (band, days) if band else None

    def score(self, facts: LeadFacts, now: datetime) -> int:
        """The score alone (the fast path used when re-scoring many leads)."""
        total = 0
        hit = self._first_keyword(self._titles, facts.job_title)
        if hit:
            total += hit[0].points
        band = self._size_band(facts.company_size)
        if band:
            total += band.points
        hit = self._first_keyword(self._industries, facts.industry)
        if hit:
            total += hit[0].points
        hit = self._first_keyword(self._countries, facts.country)
        if hit:
            total += hit[0].points
        if facts.touches:
            total += min(facts.touches * self.rules.points_per_touch, self.rules.max_touch_points)
        recent = self._recency_band(facts.last_touch_at, now)
        if recent:
            total += recent[0].points
        for kind in facts.content_types:
            total += self._content.get(kind, 0)
        return max(total, 0)

    def breakdown(self, facts: LeadFacts, now: datetime) -> ScoreBreakdown:
        """The score with one line per rule that gave points (the lead detail's explanation)."""
        items: list[ScoreItem] = []
        hit = self._first_keyword(self._titles, facts.job_title)
        if hit:
            items.append(
                ScoreItem(RuleKind.JOB_TITLE, hit[0].label, f"{facts.job_title} ({hit[1]})", hit[0].points)
            )
        band = self._size_band(facts.company_size)
        if band:
            items.append(ScoreItem(RuleKind.COMPANY_SIZE, band.label, str(facts.company_size), band.points))
        hit = self._first_keyword(self._industries, facts.industry)
        if hit:
            items.append(ScoreItem(RuleKind.INDUSTRY, hit[0].label, facts.industry or "", hit[0].points))
        hit = self._first_keyword(self._countries, facts.country)
        if hit:
            items.append(ScoreItem(RuleKind.COUNTRY, hit[0].label, facts.country or "", hit[0].points))
        if facts.touches:
            points = min(facts.touches * self.rules.points_per_touch, self.rules.max_touch_points)
            items.append(ScoreItem(RuleKind.TOUCHES, "touches", str(facts.touches), points))
        recent = self._recency_band(facts.last_touch_at, now)
        if recent:
            items.append(
                ScoreItem(RuleKind.RECENCY, f"≤ {recent[0].within_days}", str(recent[1]), recent[0].points)
            )
        for kind in sorted(facts.content_types):
            points = self._content.get(kind, 0)
            if points:
                items.append(ScoreItem(RuleKind.CONTENT, kind, kind, points))
        total = max(sum(i.points for i in items), 0)
        return ScoreBreakdown(total=total, threshold=self.rules.mql_threshold, items=tuple(items))


def score_lead(facts: LeadFacts, rules: ScoringRules, now: datetime) -> ScoreBreakdown:
    """Score one lead and explain it (for many leads build `CompiledRules` once)."""
    return CompiledRules(rules).breakdown(facts, now)


# --- validation and the stored form ----------------------------------------------------------------

_MAX_POINTS = 1000


def validate_rules(rules: ScoringRules) -> ScoringRules:
    """Raise `ValidationError` with a message a person can act on if the rules make no sense."""
    if not 0 <= rules.mql_threshold <= 10 * _MAX_POINTS:
        raise ValidationError("The MQL threshold must be a number of points between 0 and 10,000.")
    all_points = [
        *(r.points for r in (*rules.job_titles, *rules.industries, *rules.countries)),
        *(b.points for b in rules.company_sizes),
        *(b.points for b in rules.recency),
        *(p for _t, p in rules.content_types),
        rules.points_per_touch,
        rules.max_touch_points,
    ]
    if any(abs(p) > _MAX_POINTS for p in all_points):
        raise ValidationError(f"Points must be between -{_MAX_POINTS} and {_MAX_POINTS}.")
    for r in (*rules.job_titles, *rules.industries, *rules.countries):
        if not r.label.strip():
            raise ValidationError("Every keyword rule needs a name.")
        if not any(k.strip() for k in r.keywords):
            raise ValidationError(f"The rule '{r.label}' has no keywords; add some or remove the rule.")
    for b in rules.company_sizes:
        if b.min_size < 0 or (b.max_size is not None and b.max_size < b.min_size):
            raise ValidationError(f"The company size band {b.label} is not a valid range.")
    for rb in rules.recency:
        if rb.within_days < 0:
            raise ValidationError("A recency band needs a number of days of 0 or more.")
    if rules.points_per_touch < 0 or rules.max_touch_points < 0:
        raise ValidationError("Points for touches cannot be negative.")
    types = [t for t, _p in rules.content_types]
    if any(not t.strip() for t in types):
        raise ValidationError("Every content type rule needs a content type.")
    if len(set(types)) != len(types):
        raise ValidationError("Each content type may appear only once.")
    return rules


def rules_to_dict(rules: ScoringRules) -> dict[str, Any]:
    def kw(rs: tuple[KeywordRule, ...]) -> list[dict[str, Any]]:
        return [{"label": r.label, "keywords": list(r.keywords), "points": r.points} for r in rs]

    return {
        "version": 1,
        "job_titles": kw(rules.job_titles),
        "company_sizes": [
            {"min": b.min_size, "max": b.max_size, "points": b.points} for b in rules.company_sizes
        ],
        "industries": kw(rules.industries),
        "countries": kw(rules.countries),
        "points_per_touch": rules.points_per_touch,
        "max_touch_points": rules.max_touch_points,
        "recency": [{"days": b.within_days, "points": b.points} for b in rules.recency],
        "content_types": [{"type": t, "points": p} for t, p in rules.content_types],
        "mql_threshold": rules.mql_threshold,
    }


def rules_from_dict(data: Mapping[str, Any] | None) -> ScoringRules:
    """The stored rules; missing parts fall back to the defaults, broken parts raise ValidationError."""
    if not data:
        return default_rules()
    base = default_rules()
    try:

        def kw(key: str, fallback: tuple[KeywordRule, ...]) -> tuple[KeywordRule, ...]:
            if key not in data:
                return fallback
            return tuple(
                KeywordRule(str(r["label"]), tuple(str(k) for k in r["keywords"]), int(r["points"]))
                for r in data[key]
            )

        return ScoringRules(
            job_titles=kw("job_titles", base.job_titles),
            company_sizes=tuple(
                SizeBand(int(b["min"]), None if b.get("max") is None else int(b["max"]), int(b["points"]))
                for b in data["company_sizes"]
            )
            if "company_sizes" in data
            else base.company_sizes,
            industries=kw("industries", base.industries),
            countries=kw("countries", base.countries),
            points_per_touch=int(data.get("points_per_touch", base.points_per_touch)),
            max_touch_points=int(data.get("max_touch_points", base.max_touch_points)),
            recency=tuple(RecencyBand(int(b["days"]), int(b["points"])) for b in data["recency"])
            if "recency" in data
            else base.recency,
            content_types=tuple((str(c["type"]), int(c["points"])) for c in data["content_types"])
            if "content_types" in data
            else base.content_types,
            mql_threshold=int(data.get("mql_threshold", base.mql_threshold)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValidationError(
            f"The stored scoring rules are damaged ({exc}); reset them in Settings."
        ) from exc


@dataclass(frozen=True, slots=True)
class RescoreResult:
    """What a re-scoring run did: leads looked at, scores that changed, and whether it was stopped."""

    scored: int
    changed: int
    total: int
    cancelled: bool = False
