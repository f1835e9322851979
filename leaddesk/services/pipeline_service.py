"""The sales pipeline after first contact: the board (a column per stage), the pipeline table, and the
follow-ups due today.

Everything runs in SQL on indexed columns: the board's counts and values come from one GROUP BY; its
cards come a page at a time per column in a fixed order, continued with a keyset cursor (the last card's
sort value and id), so the board opens at once whatever the number of leads and a card moved meanwhile
never makes a page skip or repeat one. Each call is one read transaction and returns frozen dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, or_, select
from sqlalchemy.orm import aliased

from leaddesk.domain.clock import Clock, system_clock
from leaddesk.domain.enums import SALES_STAGES, Stage
from leaddesk.domain.queries import LeadFilter
from leaddesk.models import Campaign, Lead, TeamMember
from leaddesk.models.database import Database
from leaddesk.services.lead_query_service import filter_conditions

#: The board's columns, in funnel order.
BOARD_STAGES: tuple[Stage, ...] = (Stage.CONTACTED, Stage.OPPORTUNITY, Stage.WON, Stage.LOST)
#: The open part of the pipeline (the closed columns show recent closes only).
OPEN_STAGES: tuple[Stage, ...] = (Stage.CONTACTED, Stage.OPPORTUNITY)
CLOSED_STAGES: tuple[Stage, ...] = (Stage.WON, Stage.LOST)
#: How far back the won and lost columns look by default.
DEFAULT_CLOSED_DAYS = 30
#: Stands for "no date" in the ascending column orders, so undated cards come last on both databases.
NO_DATE = date(9999, 12, 31)

SalesOwner = aliased(TeamMember, name="pipeline_owner")


@dataclass(frozen=True, slots=True)
class PipelineCard:
    """A lead as the pipeline shows it: on a board card, in the pipeline table, in the follow-ups."""

    id: int
    stage: Stage
    first_name: str | None
    last_name: str | None
    company: str | None
    job_title: str | None
    email: str | None
    phone: str | None
    score: int
    campaign_name: str | None
    sales_owner_id: int | None
    sales_owner_name: str | None
    expected_value: Decimal | None
    expected_close_on: date | None
    next_step_on: date | None
    paused_until: datetime | None
    last_activity_at: datetime | None
    first_contact_at: datetime | None
    closed_at: datetime | None
    close_reason: str | None
    attempts: int
    version: int

    @property
    def display_name(self) -> str:
        name = " ".join(p for p in (self.first_name, self.last_name) if p)
        return name or self.email or self.company or f"#{self.id}"


@dataclass(frozen=True, slots=True)
class CardCursor:
    """Where a column continues: the sort value and id of the last card already shown."""

    key: date | datetime
    id: int


@dataclass(frozen=True, slots=True)
class CardPage:
    cards: tuple[PipelineCard, ...]
    #: The cursor for the next page; None when the column has no more cards.
    next: CardCursor | None


@dataclass(frozen=True, slots=True)
class BoardColumn:
    stage: Stage
    count: int
    #: Sum of the expected values of every lead in the column (not only the loaded cards).
    value: Decimal
    page: CardPage


@dataclass(frozen=True, slots=True)
class Board:
    columns: tuple[BoardColumn, ...]
    #: The won and lost columns hold the leads closed from this instant on.
    closed_since: datetime

    def column(self, stage: Stage) -> BoardColumn:
        return next(c for c in self.columns if c.stage == stage)


class PipelineSort(StrEnum):
    """Columns the pipeline table sorts by."""

    NAME = "name"
    COMPANY = "company"
    STAGE = "stage"
    VALUE = "value"
    CLOSE_ON = "close_on"
    NEXT_STEP = "next_step"
    LAST_ACTIVITY = "last_activity"
    OWNER = "owner"


@dataclass(frozen=True, slots=True)
class PipelineQuery:
    """What the pipeline table asks for; `owner_id` None means every rep."""

    owner_id: int | None = None
    stages: frozenset[Stage] = frozenset(OPEN_STAGES)
    text: str = ""
    sort: PipelineSort = PipelineSort.CLOSE_ON
    descending: bool = False


@dataclass(frozen=True, slots=True)
class FollowUp:
    """An open sales lead with a next step (or a call back) due on or before `today`."""

    card: PipelineCard
    due_on: date
    #: The instant the lead asked to be called back, when the next step is that call.
    callback_at: datetime | None
    overdue: bool


_CARD_COLUMNS = (
    Lead.id,
    Lead.stage,
    Lead.first_name,
    Lead.last_name,
    Lead.company,
    Lead.job_title,
    Lead.email,
    Lead.phone,
    Lead.score,
    Campaign.name.label("campaign_name"),
    Lead.sales_owner_id,
    SalesOwner.name.label("sales_owner_name"),
    Lead.expected_value,
    Lead.expected_close_on,
    Lead.next_step_on,
    Lead.paused_until,
    Lead.last_activity_at,
    Lead.first_contact_at,
    Lead.closed_at,
    Lead.close_reason,
    Lead.attempts,
    Lead.version,
)


def _card_select() -> Select[*tuple[Any, ...]]:
    return (
        select(*_CARD_COLUMNS)
        .outerjoin(Campaign, Campaign.id == Lead.campaign_id)
        .outerjoin(SalesOwner, SalesOwner.id == Lead.sales_owner_id)
    )


def _card(row: Any) -> PipelineCard:
    m = row._mapping
    return PipelineCard(
        id=m["id"],
        stage=Stage(m["stage"]),
        first_name=m["first_name"],
        last_name=m["last_name"],
        company=m["company"],
        job_title=m["job_title"],
        email=m["email"],
        phone=m["phone"],
        score=m["score"],
        campaign_name=m["campaign_name"],
        sales_owner_id=m["sales_owner_id"],
        sales_owner_name=m["sales_owner_name"],
        expected_value=m["expected_value"],
        expected_close_on=m["expected_close_on"],
        next_step_on=m["next_step_on"],
        paused_until=m["paused_until"],
        last_activity_at=m["last_activity_at"],
        first_contact_at=m["first_contact_at"],
        closed_at=m["closed_at"],
        close_reason=m["close_reason"],
        attempts=m["attempts"],
        version=m["version"],
    )


def _column_order(stage: Stage) -> tuple[Any, bool]:
    """The sort expression of a board column and whether it runs newest first.

    Contacted: the next step soonest first; opportunities: the expected close soonest first (undated
    last); won and lost: the most recent close first.
    """
    if stage == Stage.CONTACTED:
        return func.coalesce(Lead.next_step_on, literal(NO_DATE, Lead.next_step_on.type)), False
    if stage == Stage.OPPORTUNITY:
        return func.coalesce(Lead.expected_close_on, literal(NO_DATE, Lead.expected_close_on.type)), False
    return Lead.closed_at, True


def _sort_value(stage: Stage, card: PipelineCard) -> date | datetime:
    if stage == Stage.CONTACTED:
        return card.next_step_on or NO_DATE
    if stage == Stage.OPPORTUNITY:
        return card.expected_close_on or NO_DATE
    assert card.closed_at is not None
    return card.closed_at


_TABLE_SORT: dict[PipelineSort, Any] = {
    PipelineSort.NAME: Lead.last_name,
    PipelineSort.COMPANY: Lead.company,
    PipelineSort.STAGE: Lead.stage,
    PipelineSort.VALUE: Lead.expected_value,
    PipelineSort.CLOSE_ON: Lead.expected_close_on,
    PipelineSort.NEXT_STEP: Lead.next_step_on,
    PipelineSort.LAST_ACTIVITY: Lead.last_activity_at,
    PipelineSort.OWNER: SalesOwner.name,
}


class PipelineService:
    def __init__(self, db: Database, clock: Clock = system_clock) -> None:
        self._db = db
        self._clock = clock

    # --- the board ------------------------------------------------------------------------------------

    def default_closed_since(self) -> datetime:
        return self._clock() - timedelta(days=DEFAULT_CLOSED_DAYS)

    def _scope(self, owner_id: int | None) -> list[ColumnElement[bool]]:
        conds: list[ColumnElement[bool]] = [Lead.deleted_at.is_(None)]
        if owner_id is not None:
            conds.append(Lead.sales_owner_id == owner_id)
        return conds

    def _in_column(self, stage: Stage, closed_since: datetime) -> list[ColumnElement[bool]]:
        conds: list[ColumnElement[bool]] = [Lead.stage == stage.value]
        if stage in CLOSED_STAGES:
            conds.append(Lead.closed_at >= closed_since)
        return conds

    def board(
        self,
        owner_id: int | None,
        *,
        per_column: int = 50,
        closed_since: datetime | None = None,
    ) -> Board:
        """Counts and values of every column (one GROUP BY) and the first `per_column` cards of each."""
        since = closed_since or self.default_closed_since()
        with self._db.reading() as s:
            found = self._totals(s, owner_id, since)
            columns = []
            for stage in BOARD_STAGES:
                count, value = found.get(stage, (0, Decimal(0)))
                page = (
                    self._cards(s, stage, owner_id, since, None, per_column) if count else CardPage((), None)
                )
                columns.append(BoardColumn(stage, count, value, page))
        return Board(tuple(columns), since)

    def board_cards(
        self, owner_id: int | None, *, per_column: int = 50, closed_since: datetime | None = None
    ) -> dict[Stage, CardPage]:
        """The first cards of every column, without the counts: what the board shows first."""
        since = closed_since or self.default_closed_since()
        with self._db.reading() as s:
            return {stage: self._cards(s, stage, owner_id, since, None, per_column) for stage in BOARD_STAGES}

    def board_totals(
        self,
        owner_id: int | None,
        *,
        stages: tuple[Stage, ...] = BOARD_STAGES,
        closed_since: datetime | None = None,
    ) -> dict[Stage, tuple[int, Decimal]]:
        """How many leads these columns hold and their expected value (one GROUP BY).

        The open columns are counted from the stage index; the won and lost ones read every recent close,
        so the board asks for those last.
        """
        since = closed_since or self.default_closed_since()
        with self._db.reading() as s:
            found = self._totals(s, owner_id, since, stages)
        return {stage: found.get(stage, (0, Decimal(0))) for stage in stages}

    def _totals(
        self, session: Any, owner_id: int | None, since: datetime, stages: tuple[Stage, ...] = BOARD_STAGES
    ) -> dict[Stage, tuple[int, Decimal]]:
        halves: list[Select[str, Decimal | None]] = []
        open_stages = [s.value for s in OPEN_STAGES if s in stages]
        closed_stages = [s.value for s in CLOSED_STAGES if s in stages]
        if open_stages:
            halves.append(
                select(Lead.stage, Lead.expected_value).where(
                    *self._scope(owner_id), Lead.stage.in_(open_stages)
                )
            )
        if closed_stages:
            halves.append(
                # A seek on (stage, closed_at) in the board index: the recent closes only, although the
                # won and lost leads of all time are a fifth of the table.
                select(Lead.stage, Lead.expected_value).where(
                    *self._scope(owner_id), Lead.stage.in_(closed_stages), Lead.closed_at >= since
                )
            )
        if not halves:
            return {}
        # Index-friendly halves, grouped once.
        both = (halves[0].union_all(*halves[1:]) if len(halves) > 1 else halves[0]).subquery("board_leads")
        totals = select(
            both.c.stage, func.count(), func.coalesce(func.sum(both.c.expected_value), 0)
        ).group_by(both.c.stage)
        return {Stage(stage): (int(n), Decimal(value or 0)) for stage, n, value in session.execute(totals)}

    def cards(
        self,
        stage: Stage,
        owner_id: int | None,
        *,
        after: CardCursor | None = None,
        limit: int = 50,
        closed_since: datetime | None = None,
    ) -> CardPage:
        """The next cards of one board column, after `after` (the column's first cards when None)."""
        if stage not in BOARD_STAGES:
            raise ValueError(f"{stage.value} is not a column of the pipeline board")
        since = closed_since or self.default_closed_since()
        with self._db.reading() as s:
            return self._cards(s, stage, owner_id, since, after, limit)

    def _cards(
        self,
        session: Any,
        stage: Stage,
        owner_id: int | None,
        since: datetime,
        after: CardCursor | None,
        limit: int,
    ) -> CardPage:
        expr, newest_first = _column_order(stage)
        conds = [*self._scope(owner_id), *self._in_column(stage, since)]
        if after is not None:
            if newest_first:
                conds.append(or_(expr < after.key, and_(expr == after.key, Lead.id < after.id)))
            else:
                conds.append(or_(expr > after.key, and_(expr == after.key, Lead.id > after.id)))
        # Sort narrow (key, id) pairs and join the card columns to the page only: with thousands of
        # leads in a column, joining names before sorting would cost more than the sort itself.
        order = [expr.desc(), Lead.id.desc()] if newest_first else [expr.asc(), Lead.id.asc()]
        page = (
            select(Lead.id.label("card_id"), expr.label("card_key"))
            .where(*conds)
            .order_by(*order)
            .limit(limit + 1)
            .subquery("card_page")
        )
        outer = (
            [page.c.card_key.desc(), page.c.card_id.desc()]
            if newest_first
            else [page.c.card_key, page.c.card_id]
        )
        stmt = _card_select().join(page, page.c.card_id == Lead.id).order_by(*outer)
        cards = [_card(r) for r in session.execute(stmt)]
        more = len(cards) > limit
        cards = cards[:limit]
        cursor = CardCursor(_sort_value(stage, cards[-1]), cards[-1].id) if more and cards else None
        return CardPage(tuple(cards), cursor)

    # --- the pipeline table ---------------------------------------------------------------------------

    def _table_conditions(self, query: PipelineQuery) -> list[ColumnElement[bool]]:
        flt = LeadFilter(
            text=query.text,
            stages=query.stages or frozenset(OPEN_STAGES),
            sales_owner_ids=frozenset({query.owner_id}) if query.owner_id is not None else frozenset(),
        )
        return filter_conditions(self._db.dialect, flt)

    def table_page(self, query: PipelineQuery, *, offset: int = 0, limit: int = 200) -> list[PipelineCard]:
        column = _TABLE_SORT[query.sort]
        if query.descending:
            order = [column.desc().nulls_last(), Lead.id.desc()]
        else:
            order = [column.asc().nulls_last(), Lead.id.asc()]
        stmt = (
            _card_select().where(*self._table_conditions(query)).order_by(*order).offset(offset).limit(limit)
        )
        with self._db.reading() as s:
            return [_card(r) for r in s.execute(stmt)]

    def table_count(self, query: PipelineQuery) -> int:
        stmt = select(func.count()).select_from(Lead).where(*self._table_conditions(query))
        with self._db.reading() as s:
            return int(s.scalar(stmt) or 0)

    # --- follow-ups -----------------------------------------------------------------------------------

    def follow_ups(
        self, owner_id: int | None, today: date, *, zone: tzinfo = UTC, limit: int = 200
    ) -> list[FollowUp]:
        """Open sales leads whose next step is due today or overdue: today's first (call backs in time order),
        then the overdue ones, the most recent first.

        `today` and `zone` are the user's: a call back logged for today's 10:30 (in `zone`) shows as due at
        that time.
        """
        stmt = (
            _card_select()
            .where(
                *self._scope(owner_id),
                Lead.next_step_on.is_not(None),
                Lead.next_step_on <= today,
                Lead.stage.in_(sorted(s.value for s in SALES_STAGES)),
            )
            # Today's first (they are what the day is for), then the overdue ones, latest first.
            .order_by(
                case((Lead.next_step_on == today, 0), else_=1),
                Lead.next_step_on.desc(),
                Lead.paused_until.asc().nulls_last(),
                Lead.id.asc(),
            )
            .limit(limit)
        )
        with self._db.reading() as s:
            cards = [_card(r) for r in s.execute(stmt)]
        result = []
        for card in cards:
            assert card.next_step_on is not None
            callback = card.paused_until
            if callback is not None and callback.astimezone(zone).date() != card.next_step_on:
                callback = None
            result.append(FollowUp(card, card.next_step_on, callback, card.next_step_on < today))
        # Within a day, the calls promised for a time come first, in time order.
        latest = datetime.max.replace(tzinfo=UTC)
        result.sort(key=lambda f: (f.overdue, -f.due_on.toordinal(), f.callback_at or latest, f.card.id))
        return result

    def follow_up_count(self, owner_id: int | None, today: date) -> int:
        stmt = (
            select(func.count())
            .select_from(Lead)
            .where(
                *self._scope(owner_id),
                Lead.next_step_on.is_not(None),
                Lead.next_step_on <= today,
                Lead.stage.in_(sorted(s.value for s in SALES_STAGES)),
            )
        )
        with self._db.reading() as s:
            return int(s.scalar(stmt) or 0)
