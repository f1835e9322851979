"""Scoring leads with the team's rules: reading and saving the rules, explaining one lead's score, and
re-scoring many leads in batches.

Re-scoring reads only the columns the rules need, a batch of leads at a time in id order, aggregates the
batch's campaign touches with one GROUP BY, computes in Python and writes back the scores that changed with
one executemany UPDATE. It never bumps a lead's version: a new score is not an edit, so nobody editing the
lead meets a conflict because the rules changed. Each batch is its own short transaction so other PCs keep
writing while a million leads are re-scored, and a cancelled run leaves every lead with a valid score
(the old one or the new one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, bindparam, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from leaddesk.domain.clock import Clock, system_clock
from leaddesk.domain.errors import NotFoundError
from leaddesk.domain.scoring import (
    SETTING_KEY,
    CompiledRules,
    LeadFacts,
    RescoreResult,
    ScoreBreakdown,
    ScoringRules,
    rules_from_dict,
    rules_to_dict,
    validate_rules,
)
from leaddesk.models import CampaignTouch, Lead
from leaddesk.models.database import Database
from leaddesk.services.settings_service import read_setting, write_setting

Progress = Callable[[int, int], None]
ShouldCancel = Callable[[], bool]

STATE_KEY = "scoring_state"
#: Where a session keeps the rules its current transaction read (`Session.info`).
_RULES_IN_TRANSACTION = "leaddesk.scoring.rules"
BATCH_SIZE = 2000
#: Ids per IN (...) list: well under every driver's limit on bound parameters.
_IN_CHUNK = 1000

_leads: Table = Lead.__table__  # type: ignore[assignment]
_touches: Table = CampaignTouch.__table__  # type: ignore[assignment]

_FACT_COLUMNS = (
    _leads.c.id,
    _leads.c.job_title,
    _leads.c.company_size,
    _leads.c.industry,
    _leads.c.country,
    _leads.c.score,
)
_SET_SCORE = update(_leads).where(_leads.c.id == bindparam("b_id")).values(score=bindparam("b_score"))
#: The leads' facts joined with their touches grouped by content type, one statement per chunk of ids.
#: Built once: the lifecycle hook runs it after every move (thousands of times in a batch), and a
#: statement built anew each time costs more to build and look up in the cache than to run.
_FACTS_WITH_TOUCHES = (
    select(
        *_FACT_COLUMNS,
        _touches.c.content_type,
        func.count(_touches.c.id).label("n"),
        func.max(_touches.c.touched_at).label("last"),
    )
    .select_from(_leads.outerjoin(_touches, _touches.c.lead_id == _leads.c.id))
    .where(_leads.c.id.in_(bindparam("ids", expanding=True)), _leads.c.erased_at.is_(None))
    .group_by(*_FACT_COLUMNS, _touches.c.content_type)
)


def _show_to_session(session: Session, changes: Sequence[dict[str, int]]) -> None:
    """Put the scores just written with SQL on the leads the session also holds as objects: a later step
    of the same transaction reads the object (a handoff records the lead's score, and the SLA picks its
    rule by it), and the session would otherwise keep the score it loaded."""
    held = session.identity_map
    for change in changes:
        lead = held.get(identity_key(Lead, change["b_id"]))
        if lead is not None:
            set_committed_value(lead, "score", change["b_score"])


@dataclass(slots=True)
class _Engagement:
    touches: int = 0
    last: datetime | None = None
    types: set[str] = field(default_factory=set)


def _engagement(conn: Connection, where: Any) -> dict[int, _Engagement]:
    stmt = (
        select(
            _touches.c.lead_id,
            _touches.c.content_type,
            func.count().label("n"),
            func.max(_touches.c.touched_at).label("last"),
        )
        .where(where)
        .group_by(_touches.c.lead_id, _touches.c.content_type)
    )
    found: dict[int, _Engagement] = {}
    for lead_id, content_type, n, last in conn.execute(stmt):
        e = found.get(lead_id)
        if e is None:
            e = found[lead_id] = _Engagement()
        e.touches += n
        if last is not None and (e.last is None or last > e.last):
            e.last = last
        if content_type:
            e.types.add(content_type)
    return found


def _facts(row: Any, engagement: _Engagement | None) -> LeadFacts:
    if engagement is None:
        return LeadFacts(row.job_title, row.company_size, row.industry, row.country)
    return LeadFacts(
        row.job_title,
        row.company_size,
        row.industry,
        row.country,
        engagement.touches,
        engagement.last,
        frozenset(engagement.types),
    )


def _chunks(ids: Sequence[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


class ScoringService:
    def __init__(self, db: Database, clock: Clock = system_clock) -> None:
        self._db = db
        self._clock = clock
        self._compiled: tuple[str, CompiledRules] | None = None

    def _compiled_rules(self, stored: dict[str, Any] | None) -> CompiledRules:
        """The stored rules prepared for scoring, reused while the stored form is unchanged."""
        key = repr(stored)
        if self._compiled is None or self._compiled[0] != key:
            self._compiled = (key, CompiledRules(rules_from_dict(stored)))
        return self._compiled[1]

    def _rules_in(self, session: Session) -> CompiledRules:
        """The rules as this transaction sees them, read once per transaction: a batch of lifecycle
        moves (the demo, a bulk handoff) calls the hook thousands of times."""
        transaction = session.get_transaction()
        cached = session.info.get(_RULES_IN_TRANSACTION)
        if cached is not None and cached[0] is transaction:
            return cached[1]
        compiled = self._compiled_rules(read_setting(session, SETTING_KEY))
        session.info[_RULES_IN_TRANSACTION] = (transaction, compiled)
        return compiled

    # --- rules ---------------------------------------------------------------------------------------

    def rules(self) -> ScoringRules:
        with self._db.reading() as s:
            return rules_from_dict(read_setting(s, SETTING_KEY))

    def save_rules(self, rules: ScoringRules, *, actor_id: int | None = None) -> ScoringRules:
        """Validate and store the rules for the whole team. Re-score afterwards (`rescore`)."""
        validate_rules(rules)
        with self._db.writing() as s:
            write_setting(s, SETTING_KEY, rules_to_dict(rules), self._clock, actor_id)
        return rules

    # --- one lead ------------------------------------------------------------------------------------

    def breakdown(self, lead_id: int, rules: ScoringRules | None = None) -> ScoreBreakdown:
        """Why the lead has its score: points per rule, with the current (or given) rules."""
        with self._db.reading() as s:
            rules = rules or rules_from_dict(read_setting(s, SETTING_KEY))
            conn = s.connection()
            row = conn.execute(select(*_FACT_COLUMNS).where(_leads.c.id == lead_id)).first()
            if row is None:
                raise NotFoundError(f"Lead #{lead_id} does not exist.")
            engagement = _engagement(conn, _touches.c.lead_id == lead_id).get(lead_id)
        return CompiledRules(rules).breakdown(_facts(row, engagement), self._clock())

    # --- many leads ----------------------------------------------------------------------------------

    def _score_rows(
        self,
        conn: Connection,
        compiled: CompiledRules,
        rows: Sequence[Any],
        touches_where: Any,
        now: datetime,
    ) -> int:
        """Score `rows` (fact columns) and write the scores that changed; returns how many changed."""
        if not rows:
            return 0
        engagement = _engagement(conn, touches_where)
        changes = []
        for row in rows:
            score = compiled.score(_facts(row, engagement.get(row.id)), now)
            if score != row.score:
                changes.append({"b_id": row.id, "b_score": score})
        if changes:
            conn.execute(_SET_SCORE, changes)
        return len(changes)

    def on_leads_changed(self, session: Session, lead_ids: Sequence[int]) -> None:
        """Lifecycle hook: re-score leads whose profile or touches may have changed, in the same
        transaction (so a new or edited lead never shows a stale score)."""
        if not lead_ids:
            return
        conn = session.connection()
        compiled = self._rules_in(session)
        now = self._clock()
        for chunk in _chunks(sorted(set(lead_ids)), _IN_CHUNK):
            facts: dict[int, Any] = {}
            engagement: dict[int, _Engagement] = {}
            for row in conn.execute(_FACTS_WITH_TOUCHES, {"ids": chunk}):
                facts[row.id] = row
                if row.n:
                    e = engagement.setdefault(row.id, _Engagement())
                    e.touches += row.n
                    if row.last is not None and (e.last is None or row.last > e.last):
                        e.last = row.last
                    if row.content_type:
                        e.types.add(row.content_type)
            changes = []
            for lead_id, row in facts.items():
                score = compiled.score(_facts(row, engagement.get(lead_id)), now)
                if score != row.score:
                    changes.append({"b_id": lead_id, "b_score": score})
            if changes:
                conn.execute(_SET_SCORE, changes)
                _show_to_session(session, changes)

    def rescore(
        self,
        lead_ids: Sequence[int] | None = None,
        *,
        progress: Progress | None = None,
        should_cancel: ShouldCancel | None = None,
        batch_size: int = BATCH_SIZE,
    ) -> RescoreResult:
        """Re-score every lead (or `lead_ids`) with the current rules, in batches.

        `progress(done, total)` is called after each batch; `should_cancel()` is checked before each one.
        A full run records when it finished (see `needs_rescore`).
        """
        rules = self.rules()
        compiled = CompiledRules(rules)
        now = self._clock()
        with self._db.reading() as s:
            if lead_ids is None:
                total = int(s.scalar(select(func.count()).select_from(_leads)) or 0)
            else:
                total = len(lead_ids)
        done = changed = 0
        if progress:
            progress(0, total)
        if lead_ids is not None:
            for chunk in _chunks(sorted(set(lead_ids)), min(batch_size, _IN_CHUNK * 5)):
                if should_cancel and should_cancel():
                    return RescoreResult(done, changed, total, cancelled=True)
                with self._db.writing() as s:
                    conn = s.connection()
                    rows = conn.execute(
                        select(*_FACT_COLUMNS).where(_leads.c.id.in_(chunk), _leads.c.erased_at.is_(None))
                    ).all()
                    changed += self._score_rows(conn, compiled, rows, _touches.c.lead_id.in_(chunk), now)
                done += len(chunk)
                if progress:
                    progress(done, total)
            return RescoreResult(done, changed, total)

        last_id = 0
        while True:
            if should_cancel and should_cancel():
                return RescoreResult(done, changed, total, cancelled=True)
            with self._db.writing() as s:
                conn = s.connection()
                batch = conn.execute(
                    select(*_FACT_COLUMNS, _leads.c.erased_at)
                    .where(_leads.c.id > last_id)
                    .order_by(_leads.c.id)
                    .limit(batch_size)
                ).all()
                if not batch:
                    write_setting(s, STATE_KEY, {"rescored_at": now.isoformat()}, self._clock)
                    break
                first, last_id = batch[0].id, batch[-1].id
                live = [r for r in batch if r.erased_at is None]
                changed += self._score_rows(
                    conn, compiled, live, _touches.c.lead_id.between(first, last_id), now
                )
            done += len(batch)
            if progress:
                progress(min(done, total), max(total, done))
        return RescoreResult(done, changed, max(total, done))

    def needs_rescore(self, *, max_age_hours: float = 24) -> bool:
        """True when no full re-scoring ran in the last `max_age_hours` (recency points fade with time)."""
        with self._db.reading() as s:
            state = read_setting(s, STATE_KEY) or {}
        stamp = state.get("rescored_at")
        if not stamp:
            return True
        try:
            when = datetime.fromisoformat(str(stamp))
        except ValueError:
            return True
        return (self._clock() - when).total_seconds() > max_age_hours * 3600

    def hot_count(self, rules: ScoringRules | None = None) -> int:
        """Live leads at or above the MQL threshold."""
        rules = rules or self.rules()
        stmt = (
            select(func.count())
            .select_from(_leads)
            .where(_leads.c.score >= rules.mql_threshold, _leads.c.deleted_at.is_(None))
        )
        with self._db.reading() as s:
            return int(s.scalar(stmt) or 0)
