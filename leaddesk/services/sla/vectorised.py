"""The SLA's period figures over numpy columns: one array per fact of the period's handoffs.

`SlaGroupFigures.of` judges a list of `HandoffFacts` one by one; a month holds tens of thousands of
handoffs and the figures are wanted overall, per campaign, per sales owner and per week, so the period
figures use this module instead: the facts are columns, a group is a boolean mask, and every count,
median and percentile is an array operation. The rules are exactly those of `SlaGroupFigures.of` (the
tests compare the two), and the business seconds are exactly those of
`BusinessCalendar.business_seconds_between_epoch` (same arithmetic on the calendar's cached open segments,
vectorised).

numpy is imported by the callers lazily (it comes with matplotlib): importing this module costs nothing
until the first period is computed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from leaddesk.services.calendar import BusinessCalendar
from leaddesk.services.sla.figures import SlaGroupFigures

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Floats = npt.NDArray[np.float64]
    Bools = npt.NDArray[np.bool_]
    Ints = npt.NDArray[np.int64]

#: The calendar's cached block size (seconds of UTC time), see `business_calendar._BLOCK`.
_BLOCK = float(1 << 25)
#: Open segments of a calendar block as arrays, keyed by the block object's id (the block is kept in
#: the value, so the id stays valid); the engine keeps its blocks for good, so this only mirrors them.
_ARRAYS: dict[int, tuple[Any, Any, Any, Any]] = {}


def _block_arrays(block: Any) -> tuple[Any, Any, Any]:
    import numpy as np

    found = _ARRAYS.get(id(block))
    if found is None or found[0] is not block:
        found = (
            block,
            np.asarray(block.starts, dtype=np.int64),
            np.asarray(block.ends, dtype=np.int64),
            np.asarray(block.cum_end, dtype=np.int64),
        )
        if len(_ARRAYS) > 256:
            _ARRAYS.clear()
        _ARRAYS[id(block)] = found
    return found[1], found[2], found[3]


def _cum(arrays: tuple[Any, Any, Any], t: Floats) -> Floats:
    """Open seconds of the block before each instant of `t` (the calendar's `_cum`, vectorised)."""
    import numpy as np

    starts, ends, cum_end = arrays
    if len(starts) == 0:
        return np.zeros(len(t))
    i = np.searchsorted(starts, t, side="right") - 1
    inside = i >= 0
    j = np.where(inside, i, 0)
    over = ends[j] - t
    cum = cum_end[j].astype(np.float64)
    value = np.where(over > 0, cum - over, cum)
    return np.where(inside, value, 0.0)


def business_seconds(calendar: BusinessCalendar, starts: Floats, ends: Floats) -> Floats:
    """`calendar.business_seconds_between_epoch(s, e)` for each pair; NaN where either is NaN."""
    import numpy as np

    result = np.full(len(starts), np.nan)
    valid = ~(np.isnan(starts) | np.isnan(ends))
    if not valid.any():
        return result
    s, e = starts[valid], ends[valid]
    out = np.zeros(len(s))
    positive = e > s
    ks = np.floor_divide(s, _BLOCK)
    ke = np.floor_divide(e, _BLOCK)
    same = positive & (ks == ke)
    engine = calendar._engine  # the calendar's cached open segments (read only)
    for k in np.unique(ks[same]):
        arrays = _block_arrays(engine.blocks.get(int(k)) or engine.block(int(k)))
        m = same & (ks == k)
        out[m] = _cum(arrays, e[m]) - _cum(arrays, s[m])
    # Spans across a block boundary (a handful a year): the calendar's own function.
    between = calendar.business_seconds_between_epoch
    for i in np.flatnonzero(positive & ~same):
        out[i] = between(float(s[i]), float(e[i]))
    result[valid] = out
    return result


@dataclass(frozen=True, slots=True)
class HandoffColumns:
    """The facts of a period's handoffs as columns (instants as epoch seconds, NaN for none)."""

    handed_off_at: Floats
    replied_at: Floats
    rejected: Bools
    #: Index of each handoff's reject reason in `reasons` (-1: not rejected).
    reason_code: Ints
    reasons: tuple[str, ...]
    accept_due: Floats
    first_contact_at: Floats
    contact_due: Floats
    hours_to_reply: Floats
    hours_to_contact: Floats
    open_breach: Bools

    def __len__(self) -> int:
        return len(self.handed_off_at)


def _median(values: Floats) -> float | None:
    """`statistics.median` of sorted values, rounded as `SlaGroupFigures` rounds it."""
    n = len(values)
    if not n:
        return None
    if n % 2:
        return round(float(values[n // 2]), 2)
    return round((float(values[n // 2 - 1]) + float(values[n // 2])) / 2, 2)


def _p90(values: Floats) -> float | None:
    n = len(values)
    if not n:
        return None
    rank = max(1, -(-9 * n // 10))
    return round(float(values[rank - 1]), 2)


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def group_figures(c: HandoffColumns, mask: Bools | None, now: float) -> SlaGroupFigures:
    """`SlaGroupFigures.of` for the handoffs selected by `mask` (all of them when None)."""
    import numpy as np

    if mask is None:
        mask = np.ones(len(c), dtype=bool)
    replied = mask & ~np.isnan(c.replied_at)
    replied_in_time = int(np.count_nonzero(replied & (c.replied_at <= c.accept_due)))
    reply_due = int(np.count_nonzero(replied | (mask & (now >= c.accept_due))))
    rejected_mask = mask & c.rejected
    rejected = int(np.count_nonzero(rejected_mask))
    accepted = int(np.count_nonzero(replied & ~c.rejected))
    contacted = ~np.isnan(c.first_contact_at)
    contact_due_mask = mask & ~c.rejected & (contacted | (now >= c.contact_due))
    contact_due = int(np.count_nonzero(contact_due_mask))
    contact_in_time = int(
        np.count_nonzero(contact_due_mask & contacted & (c.first_contact_at <= c.contact_due))
    )
    reply_hours = np.sort(c.hours_to_reply[mask & ~np.isnan(c.hours_to_reply)])
    contact_hours = np.sort(c.hours_to_contact[mask & ~np.isnan(c.hours_to_contact)])
    by_reason: dict[str, int] = {}
    if rejected:
        codes = c.reason_code[rejected_mask]
        counts = np.bincount(codes, minlength=len(c.reasons))
        present = [i for i in range(len(c.reasons)) if counts[i]]
        first = {i: int(np.argmax(codes == i)) for i in present}
        # most common first; ties in the group's first-seen order, as Counter.most_common keeps them
        present.sort(key=lambda i: (-int(counts[i]), first[i]))
        by_reason = {c.reasons[i]: int(counts[i]) for i in present}
    handoffs = int(np.count_nonzero(mask))
    return SlaGroupFigures(
        handoffs=handoffs,
        accepted_in_time=replied_in_time,
        accept_due=reply_due,
        accepted_in_time_pct=_pct(replied_in_time, reply_due),
        accepted=accepted,
        rejected=rejected,
        rejected_pct=_pct(rejected, handoffs),
        rejected_by_reason=by_reason,
        first_contact_in_time=contact_in_time,
        first_contact_due=contact_due,
        first_contact_in_time_pct=_pct(contact_in_time, contact_due),
        median_hours_to_accept=_median(reply_hours),
        p90_hours_to_accept=_p90(reply_hours),
        median_hours_to_first_contact=_median(contact_hours),
        p90_hours_to_first_contact=_p90(contact_hours),
        breached_open=int(np.count_nonzero(mask & c.open_breach)),
        acceptance_rate_pct=_pct(accepted, accepted + rejected),
    )


def first_seen_codes(values: Sequence[str | None]) -> tuple[Ints, tuple[str, ...]]:
    """Codes for `values` (None → -1) and the distinct values in order of first appearance."""
    import numpy as np

    index: dict[str, int] = {}
    codes = np.fromiter(
        (-1 if v is None else index.setdefault(v, len(index)) for v in values),
        dtype=np.int64,
        count=len(values),
    )
    return codes, tuple(index)


def grouped_figures(c: HandoffColumns, groups: Ints, count: int, now: float) -> list[SlaGroupFigures]:
    """`group_figures` of each of `count` groups at once: `groups[i]` is the group of handoff i (-1: in
    none). One pass of counting and one sort for all of them, instead of a pass per group (a period has
    tens of campaigns and sales owners)."""
    import numpy as np

    inside = groups >= 0
    g = np.where(inside, groups, 0)

    def per_group(selected: Bools) -> list[int]:
        return np.bincount(g[selected & inside], minlength=count).tolist()  # type: ignore[no-any-return]

    replied = ~np.isnan(c.replied_at)
    with np.errstate(invalid="ignore"):
        replied_in_time = per_group(replied & (c.replied_at <= c.accept_due))
        reply_due = per_group(replied | (now >= c.accept_due))
        contacted = ~np.isnan(c.first_contact_at)
        contact_due_mask = ~c.rejected & (contacted | (now >= c.contact_due))
        contact_in_time = per_group(contact_due_mask & contacted & (c.first_contact_at <= c.contact_due))
    handoffs = per_group(np.ones(len(c), dtype=bool))
    rejected = per_group(c.rejected)
    accepted = per_group(replied & ~c.rejected)
    contact_due = per_group(contact_due_mask)
    breached_open = per_group(c.open_breach)
    reply_stats = _grouped_quantiles(g, inside, c.hours_to_reply, count)
    contact_stats = _grouped_quantiles(g, inside, c.hours_to_contact, count)
    by_reason: list[dict[str, int]] = [{} for _ in range(count)]
    chosen = np.flatnonzero(c.rejected & inside)
    if len(chosen):
        # (group, reason) pairs with their count and first handoff, in the row order
        keys = g[chosen] * len(c.reasons) + c.reason_code[chosen]
        pairs, first, counts = np.unique(keys, return_index=True, return_counts=True)
        ordered = sorted(
            zip(pairs.tolist(), first.tolist(), counts.tolist(), strict=True),
            key=lambda p: (p[0] // len(c.reasons), -p[2], p[1]),  # most common first, ties as first seen
        )
        for key, _first, n in ordered:
            by_reason[key // len(c.reasons)][c.reasons[key % len(c.reasons)]] = n
    return [
        SlaGroupFigures(
            handoffs=handoffs[i],
            accepted_in_time=replied_in_time[i],
            accept_due=reply_due[i],
            accepted_in_time_pct=_pct(replied_in_time[i], reply_due[i]),
            accepted=accepted[i],
            rejected=rejected[i],
            rejected_pct=_pct(rejected[i], handoffs[i]),
            rejected_by_reason=by_reason[i],
            first_contact_in_time=contact_in_time[i],
            first_contact_due=contact_due[i],
            first_contact_in_time_pct=_pct(contact_in_time[i], contact_due[i]),
            median_hours_to_accept=reply_stats[i][0],
            p90_hours_to_accept=reply_stats[i][1],
            median_hours_to_first_contact=contact_stats[i][0],
            p90_hours_to_first_contact=contact_stats[i][1],
            breached_open=breached_open[i],
            acceptance_rate_pct=_pct(accepted[i], accepted[i] + rejected[i]),
        )
        for i in range(count)
    ]


def _grouped_quantiles(
    g: Ints, inside: Bools, values: Floats, count: int
) -> list[tuple[float | None, float | None]]:
    """(median, 90th percentile) of the values (NaN left out) of each group, as `group_figures` has them."""
    import numpy as np

    keep = inside & ~np.isnan(values)
    groups, kept = g[keep], values[keep]
    # By value, then by group keeping that order: a stable sort of small whole numbers is a radix sort.
    by_value = np.argsort(kept)
    keys = groups[by_value].astype(np.int16 if count < 2**15 else np.int64)
    ordered = kept[by_value[np.argsort(keys, kind="stable")]]
    ends = np.cumsum(np.bincount(groups, minlength=count)).tolist()
    starts = [0, *ends[:-1]]
    return [(_median(ordered[a:b]), _p90(ordered[a:b])) for a, b in zip(starts, ends, strict=True)]
