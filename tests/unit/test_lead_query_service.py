"""Filtering, sorting, paging and text search run in SQL, with the same results on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest

from leaddesk.domain.clock import FixedClock
from leaddesk.domain.enums import Channel, Role, Stage
from leaddesk.domain.queries import LeadFilter, LeadSort, PageRequest, SortKey
from leaddesk.domain.records import LeadDraft
from leaddesk.models.database import Database
from leaddesk.services.campaign_service import CampaignService
from leaddesk.services.lead_query_service import LeadQueryService
from leaddesk.services.lifecycle_service import LifecycleService
from leaddesk.services.team_service import TeamService

PEOPLE = [
    ("Mario", "Rossi", "mario.rossi@acme.it", "ACME Srl", "Milano", "+390212345678"),
    ("Giulia", "Bianchi", "g.bianchi@fabbrica.it", "Fabbrica Italiana", "Torino", None),
    ("Nicolò", "Ferrà", "nicolo@caffe.it", "Caffè Sport", "Napoli", None),
    ("Anna", "Rossini", "anna@rossini-design.com", "Rossini Design", "Roma", "+39061234567"),
    ("John", "Smith", "JOHN.SMITH@Example.com", "Example Inc", "London", None),
]


@pytest.fixture
def loaded(db: Database, clock: FixedClock) -> tuple[LeadQueryService, list[int], int]:
    life = LifecycleService(db, clock)
    campaign = CampaignService(db, clock).save(name="Fiera Milano 2026", channel=Channel.EVENT).id
    sales = TeamService(db, clock).add_member("Marco", Role.SALES).id
    ids = []
    for i, (first, last, email, company, city, phone) in enumerate(PEOPLE):
        clock.advance(minutes=1)
        ids.append(
            life.create_lead(
                LeadDraft(
                    first_name=first,
                    last_name=last,
                    email=email,
                    company=company,
                    city=city,
                    phone=phone,
                    campaign_id=campaign if i % 2 == 0 else None,
                )
            )
        )
    life.handoff([ids[0], ids[2]], owner_id=sales)
    return LeadQueryService(db), ids, campaign


def _names(rows: list) -> list[str]:  # type: ignore[type-arg]
    return [r.last_name for r in rows]


def test_default_order_is_newest_first(loaded: tuple[LeadQueryService, list[int], int]) -> None:
    q, _ids, _ = loaded
    assert _names(q.page(PageRequest())) == ["Smith", "Rossini", "Ferrà", "Bianchi", "Rossi"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("rossi", {"Rossi", "Rossini"}),  # prefix match
        ("ROSSI acme", {"Rossi"}),  # every word must match
        ("nicolo", {"Ferrà"}),  # accents folded both ways
        ("ferra", {"Ferrà"}),
        ("caffe", {"Ferrà"}),
        ("example.com", {"Smith"}),  # parts of an email address
        ("bianchi@fabbrica", {"Bianchi"}),
        ("061234567", {"Rossini"}),  # digits inside a phone number
        ("zzz", set()),
        ("  ", {"Rossi", "Bianchi", "Ferrà", "Rossini", "Smith"}),
    ],
)
def test_text_search(loaded: tuple[LeadQueryService, list[int], int], query: str, expected: set[str]) -> None:
    q, _ids, _ = loaded
    flt = LeadFilter(text=query)
    assert set(_names(q.page(PageRequest(filter=flt)))) == expected
    assert q.count(flt) == len(expected)


def test_search_follows_edits(
    db: Database, loaded: tuple[LeadQueryService, list[int], int], clock: FixedClock
) -> None:
    q, ids, _ = loaded
    life = LifecycleService(db, clock)
    version = q.detail(ids[1]).version
    life.update_lead(ids[1], {"last_name": "Verdi", "email": "g.verdi@officine.it"}, expected_version=version)
    assert _names(q.page(PageRequest(filter=LeadFilter(text="verdi")))) == ["Verdi"]
    assert q.count(LeadFilter(text="bianchi")) == 0


def test_filters_combine(loaded: tuple[LeadQueryService, list[int], int], clock: FixedClock) -> None:
    q, ids, campaign = loaded
    assert q.count(LeadFilter(campaign_ids=frozenset({campaign}))) == 3
    assert q.count(LeadFilter(stages=frozenset({Stage.HANDED_OFF}))) == 2
    assert q.count(LeadFilter(stages=frozenset({Stage.HANDED_OFF}), campaign_ids=frozenset({campaign}))) == 2
    assert q.count(LeadFilter(created_to=clock.now - timedelta(minutes=2) + timedelta(seconds=1))) == 3
    assert q.count(LeadFilter(ids=frozenset(ids[:2]))) == 2


@pytest.mark.parametrize(
    ("key", "descending", "expected"),
    [
        (SortKey.NAME, False, ["Bianchi", "Ferrà", "Rossi", "Rossini", "Smith"]),
        (SortKey.CITY, True, ["Torino", "Roma", "Napoli", "Milano", "London"]),
        (SortKey.EMAIL, False, ["Rossini", "Bianchi", "Smith", "Rossi", "Ferrà"]),
    ],
)
def test_sorting(
    loaded: tuple[LeadQueryService, list[int], int], key: SortKey, descending: bool, expected: list[str]
) -> None:
    q, _ids, _ = loaded
    rows = q.page(PageRequest(sort=LeadSort(key, descending)))
    if key == SortKey.CITY:
        assert [r.city for r in rows] == expected
    else:
        assert _names(rows) == expected


@pytest.mark.parametrize("key", [SortKey.HANDED_OFF, SortKey.SALES_OWNER])
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("limit", [1, 2, 3, 7])
def test_sorting_on_columns_most_leads_leave_empty(
    db: Database,
    clock: FixedClock,
    loaded: tuple[LeadQueryService, list[int], int],
    key: SortKey,
    descending: bool,
    limit: int,
) -> None:
    """Their index holds only the leads with a value (read first); the others follow by id. Paged at any
    size, with or without a filter, the order is the one `ORDER BY column NULLS LAST, id` gives."""
    q, ids, _ = loaded
    clock.advance(hours=1)
    other = TeamService(db, clock).add_member("Bea", Role.SALES).id
    LifecycleService(db, clock).handoff([ids[4]], owner_id=other)
    for flt in (LeadFilter(), LeadFilter(text="rossi")):
        every = q.page(PageRequest(filter=flt, limit=100))
        value = (lambda r: r.handed_off_at) if key == SortKey.HANDED_OFF else (lambda r: r.sales_owner_name)
        dated = sorted((r for r in every if value(r) is not None), key=lambda r: r.id, reverse=descending)
        dated.sort(key=lambda r: (value(r), 0), reverse=descending)  # stable: ties keep the id order
        if key == SortKey.SALES_OWNER:  # sorted by the owner's id, which follows the order they joined
            dated.sort(key=lambda r: ("Marco", "Bea").index(r.sales_owner_name), reverse=descending)
        undated = sorted((r.id for r in every if value(r) is None), reverse=descending)
        expected = [r.id for r in dated] + undated
        assert len(dated) == (1 if flt.text else 3) and undated
        sort = LeadSort(key, descending)
        paged = [
            r.id
            for offset in range(0, len(expected) + limit, limit)
            for r in q.page(PageRequest(filter=flt, sort=sort, offset=offset, limit=limit))
        ]
        assert paged == expected


def test_pages_do_not_overlap(loaded: tuple[LeadQueryService, list[int], int]) -> None:
    q, ids, _ = loaded
    first = q.page(PageRequest(offset=0, limit=2))
    second = q.page(PageRequest(offset=2, limit=2))
    third = q.page(PageRequest(offset=4, limit=2))
    seen = [r.id for r in first + second + third]
    assert sorted(seen) == sorted(ids)


def test_rows_carry_joined_names(loaded: tuple[LeadQueryService, list[int], int]) -> None:
    q, ids, _ = loaded
    row = q.page(PageRequest(filter=LeadFilter(ids=frozenset({ids[0]}))))[0]
    assert row.campaign_name == "Fiera Milano 2026"
    assert row.sales_owner_name == "Marco"
    assert row.stage == Stage.HANDED_OFF
    assert row.display_name == "Mario Rossi"


def test_stage_counts(loaded: tuple[LeadQueryService, list[int], int]) -> None:
    q, _ids, _ = loaded
    counts = {c.stage: c.count for c in q.stage_counts()}
    assert counts[Stage.NEW] == 3 and counts[Stage.HANDED_OFF] == 2 and counts[Stage.WON] == 0


@pytest.mark.parametrize("threshold", [0, 1_000_000])
def test_score_filter_gives_the_same_page_with_either_plan(
    loaded: tuple[LeadQueryService, list[int], int],
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
    threshold: int,
) -> None:
    """Broad score ranges walk the sort index, narrow ones the score index: the same answer either way."""
    import leaddesk.services.lead_query_service as module
    from leaddesk.models import Lead

    q, ids, _ = loaded
    with db.writing() as s:
        for score, lead_id in zip((10, 50, 90, 95, 99), ids, strict=True):
            s.get(Lead, lead_id).score = score  # type: ignore[union-attr]
    monkeypatch.setattr(module, "BROAD_SCORE", threshold)
    rows = q.page(PageRequest(filter=LeadFilter(min_score=50, max_score=95)))
    assert [r.score for r in rows] == [95, 90, 50]


def test_long_words_match_like_prefixes(db: Database, clock: FixedClock) -> None:
    """A word longer than the prefix indexes is spelled as the terms it starts (when few): the same leads
    as the plain prefix query, for words that start none, a few, or more terms than are spelled out."""
    from leaddesk.models.search import MAX_PREFIX_TERMS, sqlite_match_expression

    life = LifecycleService(db, clock)
    for i in range(MAX_PREFIX_TERMS + 10):
        life.create_lead(LeadDraft(first_name="Ada", last_name=f"Conti{i}", company="Officine Riunite"))
    life.create_lead(LeadDraft(first_name="Ada", last_name="Contini", company="Officine Ñandú"))
    q = LeadQueryService(db)
    expected = {
        "conti": MAX_PREFIX_TERMS + 11,  # more terms than are spelled out: stays a prefix
        "conti1": 11,  # conti1, conti10 … conti19
        "contin": 1,
        "officine conti2": 7,  # conti2, conti20 … conti25
        "contix": 0,
        "ñandú": 1,  # folded to plain ASCII first
        "officine_riunite": MAX_PREFIX_TERMS + 10,  # split where the index splits
        "ada officine": MAX_PREFIX_TERMS + 11,
    }
    for query, n in expected.items():
        flt = LeadFilter(text=query)
        assert q.count(flt) == n, query
        assert len(q.page(PageRequest(filter=flt, limit=100))) == n, query
        assert len(q.ids(flt)) == n, query
    if db.dialect == "sqlite":
        with db.reading() as s:
            conn = s.connection()
            assert sqlite_match_expression("conti", conn) == '"conti"*'
            assert sqlite_match_expression("contin", conn) == '("contini")'
            assert sqlite_match_expression("contix", conn) == '"contix"'
            assert sqlite_match_expression("ñandú", conn) == '("nandu")'
            assert sqlite_match_expression("conti1 ro", conn).endswith(' AND "ro"*')


def test_bulk_ids_refuse_more_than_the_limit(loaded: tuple[LeadQueryService, list[int], int]) -> None:
    """'All matching' acts on every matching lead or, above the limit, on none, with a clear message."""
    from leaddesk.domain.errors import ValidationError

    q, ids, _ = loaded
    assert q.ids(LeadFilter(), limit=5) == sorted(ids)
    with pytest.raises(ValidationError, match="More than 4 leads match"):
        q.ids(LeadFilter(), limit=4)
