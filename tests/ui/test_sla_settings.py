"""Settings → Service level (SLA), driven through its widgets on a real SQLite database: every part of the
policy is edited, saved as a version in force from a chosen instant (off the GUI thread), and the clocks
of the leads it governs are recomputed; a bad calendar is refused with a message and nothing is saved."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QDate, QDateTime, Qt, QTimeZone
from PySide6.QtWidgets import QMessageBox

from leaddesk.app import Services
from leaddesk.domain.clock import FixedClock
from leaddesk.domain.enums import Channel, Role
from leaddesk.domain.records import LeadDraft
from leaddesk.services.calendar import BusinessCalendar, OpeningInterval
from leaddesk.services.sla.policy import SlaPolicy
from leaddesk.ui.context import AppContext
from leaddesk.ui.settings.sla_settings import SlaSettings

TIMEOUT = 10_000
ROME = ZoneInfo("Europe/Rome")


def rome(*args: int) -> datetime:
    return datetime(*args, tzinfo=ROME).astimezone(UTC)  # type: ignore[misc]


@pytest.fixture
def editor(qtbot, ctx: AppContext, services: Services, clock: FixedClock) -> SlaSettings:  # type: ignore[no-untyped-def]
    clock.set(rome(2026, 1, 1, 9))
    services.sla.set_policy(
        SlaPolicy(calendar=BusinessCalendar.default("Europe/Rome")), effective_from=rome(2026, 1, 1)
    )
    services.campaigns.save(name="Webinar Industria 4.0", channel=Channel.WEBINAR)
    services.campaigns.save(name="Fiera SPS", channel=Channel.EVENT)
    ctx.set_member(services.team.add_member("Elena Ricci", Role.MANAGER))
    widget = SlaSettings(ctx)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitUntil(lambda: widget.loaded, timeout=TIMEOUT)
    return widget


def _at(widget: SlaSettings, when: datetime) -> None:
    widget.effective.setDateTime(QDateTime.fromSecsSinceEpoch(int(when.timestamp()), QTimeZone.utc()))


def test_every_part_of_the_policy_is_edited_and_saved_as_a_new_version(
    qtbot, editor: SlaSettings, services: Services, clock: FixedClock
) -> None:  # type: ignore[no-untyped-def]
    marco = services.team.add_member("Marco Ferrari", Role.SALES)
    before = services.lifecycle.create_lead(LeadDraft(first_name="Prima", last_name="Test", company="A"))
    after = services.lifecycle.create_lead(LeadDraft(first_name="Dopo", last_name="Test", company="B"))
    clock.set(rome(2026, 2, 9, 9))  # Monday
    services.lifecycle.handoff([before], owner_id=marco.id)
    clock.set(rome(2026, 2, 11, 9))  # Wednesday
    services.lifecycle.handoff([after], owner_id=marco.id)
    clock.set(rome(2026, 2, 11, 9, 30))
    assert editor.accept_within.value() == 4 and editor.zone.currentText() == "Europe/Rome"
    assert editor.day_edits[0].text() == "09:00-13:00, 14:00-18:00"

    # Targets both ways, the at-risk share, reassignment.
    editor.accept_within.setValue(2)
    editor.contact_within.setValue(6)
    editor.min_attempts.setValue(4)
    editor.mql_target.setValue(120)
    editor.at_risk.setValue(80)
    editor.reassign.setChecked(True)
    # Priority rules: a new one for the webinar's leads with a score band, moved above "Hot leads".
    editor.add_rule_button.click()
    editor.rule_name.setText("Webinar")
    editor.rule_name.textEdited.emit("Webinar")
    editor.rule_min.setValue(50)
    editor.rule_max.setValue(90)
    editor.rule_accept.setValue(1)
    editor.rule_contact.setValue(3)
    webinar = editor.rule_campaigns.findItems("Webinar Industria 4.0", Qt.MatchFlag.MatchExactly)[0]
    webinar.setCheckState(Qt.CheckState.Checked)
    editor.up_rule_button.click()
    assert [r.name for r in editor.rules] == ["Webinar", "Hot leads"]
    assert editor.rules_table.item(0, 2).text() == "Webinar Industria 4.0"
    # Reasons: one removed, one added.
    editor.reasons.setCurrentRow(editor.reason_codes().index("other"))
    editor.remove_reason()
    editor.new_reason.setText("Azienda troppo piccola")
    editor.add_reason()
    # The calendar: two intervals on Monday, Saturday morning, German holidays, the August closure.
    editor.zone.setCurrentText("Europe/Berlin")
    editor.day_edits[0].setText("08:30-12:30, 13:30-17:30")
    editor.day_edits[5].setText("09:00-12:00")
    editor.country.setCurrentIndex(editor.country.findData("DE"))
    editor.closure_from.setDate(QDate(2026, 8, 10))
    editor.closure_to.setDate(QDate(2026, 8, 21))
    editor.closure_label.setText("Ferie")
    editor.add_closure()
    _at(editor, rome(2026, 2, 10, 0))

    with qtbot.waitSignal(editor.policy_saved, timeout=TIMEOUT) as saved:
        assert editor.save()
    version = saved.args[0]
    assert version.effective_from == rome(2026, 2, 10, 0)
    stored = services.sla.policy_versions()
    assert len(stored) == 3 and stored[-1].effective_from == rome(2026, 2, 10, 0)
    p = stored[-1].policy
    assert (p.accept_within_hours, p.first_contact_within_hours, p.min_attempts) == (2, 6, 4)
    assert (p.monthly_mql_target, p.at_risk_share, p.reassign_unaccepted) == (120, 0.8, True)
    assert [r.name for r in p.rules] == ["Webinar", "Hot leads"]
    webinar_rule = p.rules[0]
    webinar_id = services.campaigns.find_by_name("Webinar Industria 4.0").id  # type: ignore[union-attr]
    assert (webinar_rule.min_score, webinar_rule.max_score) == (50, 90)
    assert webinar_rule.campaign_ids == frozenset({webinar_id})
    assert (webinar_rule.accept_within_hours, webinar_rule.first_contact_within_hours) == (1, 3)
    assert p.reject_reasons[-1] == "Azienda troppo piccola" and "other" not in p.reject_reasons
    cal = p.calendar
    assert (cal.tz, cal.country) == ("Europe/Berlin", "DE")
    assert cal.hours[0] == (OpeningInterval(510, 750), OpeningInterval(810, 1050))
    assert cal.hours[5] == (OpeningInterval(540, 720),)
    assert [(c.start.isoformat(), c.end.isoformat(), c.label) for c in cal.closures] == [
        ("2026-08-10", "2026-08-21", "Ferie")
    ]
    # The lead handed off under the new version was recomputed (Wednesday 09:00 Rome = 09:00 Berlin,
    # 2 business hours → 11:00); the one before it keeps the old version's 4 hours.
    due = {r.lead.id: r.lead.accept_due_at for r in services.sla.queue(marco.id)}
    assert due[before] == rome(2026, 2, 9, 13) and due[after] == rome(2026, 2, 11, 11)
    qtbot.waitUntil(lambda: editor.versions_tree.topLevelItemCount() == 3, timeout=TIMEOUT)  # reloaded
    assert not editor.progress.isVisible() and "Saved" in editor.status.text()


def test_a_bad_calendar_is_refused_and_nothing_is_saved(
    qtbot, editor: SlaSettings, services: Services
) -> None:  # type: ignore[no-untyped-def]
    editor.day_edits[2].setText("18:00-09:00")
    assert "border" in editor.day_edits[2].styleSheet()  # flagged while typing
    assert not editor.save()
    box = editor.findChild(QMessageBox)
    assert box is not None and "wed" in box.text() and "ends before it starts" in box.text()
    box.close()
    editor.day_edits[2].setText("09:00-18:00")
    editor.zone.setCurrentText("Mars/Olympus")
    assert not editor.save()
    assert len(services.sla.policy_versions()) == 2
