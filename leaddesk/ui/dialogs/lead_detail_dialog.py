"""One lead in full: profile (editable), score breakdown, the timeline of events with who and when,
activities, campaign touches; privacy actions (export, erase).

Shared by the Marketing and Sales workspaces. Other features extend it without editing this file:

- `LeadDetailDialog.register_panel(provider)`: `provider(dialog)` returns `(title, widget)` to add a tab
  (or None to add nothing for this dialog);
- `LeadDetailDialog.register_actions(provider)`: `provider(dialog)` returns widgets (buttons, a bar) to put
  in the action bar above the tabs;
- the dialog's `bundle_loaded(LeadBundle)` signal tells those widgets the lead's current data (also after
  every reload), and `dialog.reload()` re-reads it after they changed the lead.

Editing uses the lead's version: if someone else saved the lead since it was loaded, the user is told who
and when and chooses to reload (losing their edits) or to overwrite; nothing is ever overwritten silently.
"""

from __future__ import annotations

import contextlib
import html
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from leaddesk.domain.enums import ActivityKind, Outcome
from leaddesk.domain.errors import ConflictError
from leaddesk.domain.records import ActivityRow, CampaignRow, EventRow, LeadDetail, MemberRow, TouchRow
from leaddesk.domain.scoring import RuleKind, ScoreBreakdown
from leaddesk.services.lead_entry_service import LeadValidationError
from leaddesk.ui.background import run_in_background, run_task
from leaddesk.ui.context import AppContext
from leaddesk.ui.dialogs.lost_dialog import lost_reason_label
from leaddesk.ui.errors import show_error
from leaddesk.ui.formatting import (
    activity_label,
    event_label,
    format_date,
    format_datetime,
    format_int,
    format_money,
    outcome_label,
    reject_reason_label,
    stage_color,
    stage_label,
)
from leaddesk.ui.i18n import tr
from leaddesk.ui.resources import icon
from leaddesk.ui.widgets.lead_form import LeadForm, field_label

PanelProvider = Callable[["LeadDetailDialog"], "tuple[str, QWidget] | None"]
ActionProvider = Callable[["LeadDetailDialog"], Iterable[QWidget]]


@dataclass(frozen=True, slots=True)
class LeadBundle:
    detail: LeadDetail
    events: list[EventRow]
    activities: list[ActivityRow]
    touches: list[TouchRow]
    score: ScoreBreakdown | None = None


def load_bundle(ctx: AppContext, lead_id: int) -> LeadBundle:
    q = ctx.services.leads
    scoring = getattr(ctx.services, "scoring", None)
    score = scoring.breakdown(lead_id) if scoring is not None else None
    return LeadBundle(q.detail(lead_id), q.events(lead_id), q.activities(lead_id), q.touches(lead_id), score)


def rule_kind_label(kind: RuleKind) -> str:
    return {
        RuleKind.JOB_TITLE: tr("Scoring", "Job title"),
        RuleKind.COMPANY_SIZE: tr("Scoring", "Company size"),
        RuleKind.INDUSTRY: tr("Scoring", "Industry"),
        RuleKind.COUNTRY: tr("Scoring", "Country"),
        RuleKind.TOUCHES: tr("Scoring", "Campaign touches"),
        RuleKind.RECENCY: tr("Scoring", "Last touch"),
        RuleKind.CONTENT: tr("Scoring", "Content seen"),
    }[kind]


def _event_details(e: EventRow) -> str:
    parts = []
    if e.from_stage and e.to_stage and e.from_stage != e.to_stage:
        parts.append(f"{stage_label(e.from_stage)} → {stage_label(e.to_stage)}")
    if e.reason:
        parts.append(reject_reason_label(e.reason))
    owner = e.details.get("sales_owner") or e.details.get("to_owner")
    if owner:
        parts.append(tr("Lead", "to %1").replace("%1", str(owner)))
    changes = e.details.get("changes")
    if isinstance(changes, dict):
        parts.append(
            "; ".join(
                f"{field_label(k)}: {v[0] if v[0] is not None else '–'} → {v[1] if v[1] is not None else '–'}"
                for k, v in changes.items()
                if isinstance(v, list) and len(v) == 2
            )
        )
        if e.details.get("forced"):
            parts.append(tr("Lead", "(overwrote a newer version)"))
    # What sales did, for marketing too: "Call: No answer", "paused until …".
    kind, outcome = e.details.get("kind"), e.details.get("outcome")
    if kind in ActivityKind.__members__.values():
        label = activity_label(ActivityKind(kind))
        if outcome in Outcome.__members__.values():
            label += f": {outcome_label(Outcome(outcome))}"
        parts.append(label)
    if e.details.get("until"):
        with contextlib.suppress(ValueError):
            until = datetime.fromisoformat(str(e.details["until"]))
            parts.append(tr("Lead", "until %1").replace("%1", format_datetime(until)))
    if e.details.get("content"):
        parts.append(str(e.details["content"]))
    if e.details.get("note"):
        parts.append(f"“{e.details['note']}”")
    return " · ".join(p for p in parts if p)


class LeadDetailDialog(QDialog):
    #: The lead's data arrived (first load and every reload).
    bundle_loaded = Signal(object)
    #: The lead was changed from this dialog (saved, erased...).
    lead_changed = Signal(int)

    panel_providers: ClassVar[list[PanelProvider]] = []
    action_providers: ClassVar[list[ActionProvider]] = []

    @classmethod
    def register_panel(cls, provider: PanelProvider) -> None:
        if provider not in cls.panel_providers:
            cls.panel_providers.append(provider)

    @classmethod
    def register_actions(cls, provider: ActionProvider) -> None:
        if provider not in cls.action_providers:
            cls.action_providers.append(provider)

    def __init__(self, ctx: AppContext, lead_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._ctx = ctx
        self.lead_id = lead_id
        self.bundle: LeadBundle | None = None
        self.conflict_box: QMessageBox | None = None
        self.confirm_box: QMessageBox | None = None
        self.setWindowTitle(self.tr("Lead"))
        self.resize(1000, 680)

        self.title = QLabel(self)
        self.title.setObjectName("leadTitle")
        self.title.setStyleSheet("font-size: 19px; font-weight: 600;")
        self.badge = QLabel(self)
        self.badge.setObjectName("leadBadge")
        self.subtitle = QLabel(self)
        self.subtitle.setStyleSheet("color: palette(placeholder-text);")

        # Action bar: editing, privacy, then whatever other features add.
        self.edit_button = QPushButton(icon("edit"), self.tr("Edit"), self)
        self.edit_button.setObjectName("editLead")
        self.edit_button.setShortcut("Ctrl+E")
        self.save_button = QPushButton(icon("save"), self.tr("Save"), self)
        self.save_button.setObjectName("saveLead")
        self.save_button.setShortcut("Ctrl+S")
        self.cancel_edit_button = QPushButton(self.tr("Cancel"), self)
        self.export_button = QPushButton(icon("export"), self.tr("Export person…"), self)
        self.export_button.setToolTip(
            self.tr("Everything LeadDesk holds about this person, as an Excel file")
        )
        self.erase_button = QPushButton(icon("erase"), self.tr("Erase person…"), self)
        self.erase_button.setToolTip(self.tr("Remove the personal data for good; the counts stay"))
        self.edit_button.clicked.connect(self.start_edit)
        self.save_button.clicked.connect(lambda: self.save_edit())
        self.cancel_edit_button.clicked.connect(self.cancel_edit)
        self.export_button.clicked.connect(self._choose_export)
        self.erase_button.clicked.connect(self.confirm_erase)
        self.actions_bar = QHBoxLayout()
        self.actions_bar.setSpacing(6)
        for b in (self.edit_button, self.save_button, self.cancel_edit_button):
            self.actions_bar.addWidget(b)
        self.actions_bar.addStretch(1)
        self.extra_actions = QHBoxLayout()
        self.actions_bar.addLayout(self.extra_actions)
        self.actions_bar.addWidget(self.export_button)
        self.actions_bar.addWidget(self.erase_button)

        # Profile: read view and edit form on a stack.
        self.form = QFormLayout()
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        read = QWidget(self)
        read.setLayout(self.form)
        self.editor: LeadForm | None = None
        self.profile_stack = QStackedWidget(self)
        read_scroll = QScrollArea(self)
        read_scroll.setWidgetResizable(True)
        read_scroll.setWidget(read)
        self.profile_stack.addWidget(read_scroll)

        self.score_summary = QLabel(self)
        self.score_summary.setObjectName("scoreSummary")
        self.score_summary.setWordWrap(True)
        self.score_tree = self._tree([self.tr("Rule"), self.tr("Why"), self.tr("Points")])
        self.score_tree.setObjectName("scoreBreakdown")
        self.score_tree.setColumnWidth(0, 200)
        self.score_tree.setColumnWidth(1, 260)
        score_page = QWidget(self)
        score_layout = QVBoxLayout(score_page)
        score_layout.addWidget(self.score_summary)
        score_layout.addWidget(self.score_tree, 1)

        self.timeline = self._tree([self.tr("When"), self.tr("What"), self.tr("Who"), self.tr("Details")])
        self.timeline.setColumnWidth(1, 170)
        self.activities = self._tree(
            [self.tr("When"), self.tr("Type"), self.tr("Outcome"), self.tr("By"), self.tr("Note")]
        )
        self.touches = self._tree([self.tr("When"), self.tr("Campaign"), self.tr("Content"), self.tr("Type")])
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("leadTabs")
        self.tabs.addTab(score_page, icon("score"), self.tr("Score"))
        self.tabs.addTab(self.timeline, self.tr("History"))
        self.tabs.addTab(self.activities, self.tr("Activities"))
        self.tabs.addTab(self.touches, self.tr("What the lead has seen"))

        body = QHBoxLayout()
        body.addWidget(self.profile_stack, 2)
        body.addWidget(self.tabs, 3)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        heading = QHBoxLayout()
        heading.addWidget(self.title)
        heading.addWidget(self.badge)
        heading.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(heading)
        layout.addWidget(self.subtitle)
        layout.addLayout(self.actions_bar)
        layout.addLayout(body, 1)
        layout.addWidget(buttons)
        self._set_editing(False)

        for provide_actions in list(self.action_providers):
            for widget in provide_actions(self):
                self.extra_actions.addWidget(widget)
        for provide_panel in list(self.panel_providers):
            panel = provide_panel(self)
            if panel is not None:
                title, widget = panel
                self.tabs.addTab(widget, title)
        self.reload()

    def _tree(self, headers: list[str]) -> QTreeWidget:
        tree = QTreeWidget(self)
        tree.setHeaderLabels(headers)
        tree.setRootIsDecorated(False)
        tree.setAlternatingRowColors(True)
        tree.setColumnWidth(0, 130)
        tree.setWordWrap(True)
        return tree

    # --- loading -------------------------------------------------------------------------------------

    def reload(self) -> None:
        ctx, lead_id = self.ctx, self.lead_id
        run_in_background(
            lambda: load_bundle(ctx, lead_id),
            on_done=self.show_bundle,
            on_error=lambda e: show_error(self, e),
        )

    def show_bundle(self, bundle: LeadBundle) -> None:
        self.bundle = bundle
        d = bundle.detail
        p = d.profile
        erased = d.erased_at is not None
        name = " ".join(x for x in (p.first_name, p.last_name) if x) or p.email or p.company
        if erased:
            name = self.tr("Erased person (lead #%1)").replace("%1", str(d.id))
        self.title.setText(name or self.tr("Lead #%1").replace("%1", str(d.id)))
        self.setWindowTitle(self.title.text())
        hot = bundle.score.hot if bundle.score else False
        self.badge.setText(self.tr("🔥 hot") if hot else "")
        self.badge.setStyleSheet(
            "color: white; background: #e0561b; border-radius: 8px; padding: 1px 8px; font-weight: 600;"
            if hot
            else ""
        )
        color = stage_color(d.stage).name()
        stage = f"<span style='color:{color}; font-weight:600'>{stage_label(d.stage)}</span>"
        bits = [html.escape(x) for x in (p.job_title, p.company) if x]
        bits.append(stage)
        bits.append(self.tr("score %1").replace("%1", str(d.score)))
        if d.deleted_at is not None:
            bits.append(self.tr("in the trash"))
        self.subtitle.setText(" · ".join(bits))
        self.edit_button.setEnabled(not erased and d.deleted_at is None)
        self.erase_button.setEnabled(not erased)
        self._fill_profile(bundle)
        self._fill_score(bundle.score)
        self.timeline.clear()
        for e in reversed(bundle.events):
            QTreeWidgetItem(
                self.timeline,
                [format_datetime(e.at), event_label(e.kind), e.actor_name or "", _event_details(e)],
            )
        self.activities.clear()
        for a in bundle.activities:
            QTreeWidgetItem(
                self.activities,
                [
                    format_datetime(a.at),
                    activity_label(a.kind),
                    outcome_label(a.outcome),
                    a.member_name or "",
                    a.note or "",
                ],
            )
        self.touches.clear()
        for t in bundle.touches:
            QTreeWidgetItem(
                self.touches,
                [format_datetime(t.touched_at), t.campaign_name or "", t.content or "", t.content_type or ""],
            )
        self.bundle_loaded.emit(bundle)

    def _fill_profile(self, bundle: LeadBundle) -> None:
        d, p = bundle.detail, bundle.detail.profile
        while self.form.rowCount():
            self.form.removeRow(0)
        rows = [
            (self.tr("Email"), p.email),
            (self.tr("Phone"), p.phone),
            (self.tr("Company size"), format_int(p.company_size) if p.company_size else None),
            (self.tr("Industry"), p.industry),
            (self.tr("Place"), ", ".join(x for x in (p.city, p.province, p.country) if x)),
            (self.tr("Source"), p.source),
            (self.tr("Campaign"), d.campaign_name),
            (self.tr("Marketing owner"), d.marketing_owner_name),
            (self.tr("Sales owner"), d.sales_owner_name),
            (self.tr("Handoff note"), d.handoff_note),
            (self.tr("Returned because"), reject_reason_label(d.reject_reason) if d.reject_reason else None),
            (self.tr("Closed because"), lost_reason_label(d.lost_reason) if d.lost_reason else None),
            (
                self.tr("Expected value"),
                format_money(d.expected_value) if d.expected_value is not None else None,
            ),
            (self.tr("Expected close"), format_date(d.expected_close_on)),
            (self.tr("Consent to contact"), self.tr("yes") if p.consent else self.tr("no")),
            (self.tr("Notes"), p.notes),
            (
                self.tr("Last changed"),
                " ".join(x for x in (format_datetime(d.updated_at), d.updated_by_name or "") if x),
            ),
        ]
        if d.erased_at is not None:
            rows.insert(0, (self.tr("Erased"), format_datetime(d.erased_at)))
        rows += [(key, str(value)) for key, value in sorted(p.custom_fields.items())]
        for label, value in rows:
            if value:
                text = QLabel(value)
                text.setWordWrap(True)
                text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                self.form.addRow(label + ":", text)

    def _fill_score(self, score: ScoreBreakdown | None) -> None:
        self.score_tree.clear()
        if score is None:
            self.score_summary.setText("")
            return
        verdict = (
            self.tr("Hot: at or above the MQL threshold of %1 points.")
            if score.hot
            else self.tr("Below the MQL threshold of %1 points.")
        ).replace("%1", str(score.threshold))
        self.score_summary.setText(
            self.tr("<b>%1 points</b> — fit %2, engagement %3. ")
            .replace("%1", str(score.total))
            .replace("%2", str(score.fit))
            .replace("%3", str(score.engagement))
            + verdict
        )
        for item in score.items:
            detail = item.detail
            if item.kind == RuleKind.RECENCY:
                detail = (
                    self.tr("%1 days ago (band %2 days)").replace("%1", item.detail).replace("%2", item.rule)
                )
            elif item.kind == RuleKind.TOUCHES:
                detail = self.tr("%Ln touch(es)", "", int(item.detail))
            elif item.kind == RuleKind.COMPANY_SIZE and item.detail.isdigit():
                detail = format_int(int(item.detail))
            rule = (
                f"{rule_kind_label(item.kind)} — {item.rule}"
                if item.kind
                not in (
                    RuleKind.TOUCHES,
                    RuleKind.RECENCY,
                )
                else rule_kind_label(item.kind)
            )
            row = QTreeWidgetItem(self.score_tree, [rule, detail, f"{item.points:+d}"])
            row.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        total = QTreeWidgetItem(self.score_tree, [self.tr("Total"), "", str(score.total)])
        total.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        font = total.font(0)
        font.setBold(True)
        for column in range(3):
            total.setFont(column, font)

    # --- editing -------------------------------------------------------------------------------------

    @property
    def editing(self) -> bool:
        return self.profile_stack.currentIndex() == 1

    def _set_editing(self, on: bool) -> None:
        self.edit_button.setVisible(not on)
        self.save_button.setVisible(on)
        self.cancel_edit_button.setVisible(on)
        self.profile_stack.setCurrentIndex(1 if on else 0)

    def start_edit(self) -> None:
        if self.bundle is None:
            return
        campaigns: list[CampaignRow] = self.ctx.services.campaigns.list_campaigns(include_archived=True)
        members: list[MemberRow] = self.ctx.services.team.list_members()
        if self.editor is not None:
            self.profile_stack.removeWidget(self.editor.parentWidget() or self.editor)
        self.editor = LeadForm(campaigns, members, self)
        self.editor.set_draft(self.bundle.detail.profile)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.editor)
        self.profile_stack.addWidget(scroll)
        self._set_editing(True)

    def cancel_edit(self) -> None:
        self._set_editing(False)

    def _changes(self) -> dict[str, Any] | None:
        """The fields the user changed, normalised like a new lead; None (problems shown) if invalid."""
        assert self.editor is not None and self.bundle is not None
        before = self.bundle.detail.profile
        try:
            after = self.ctx.services.lead_entry.validate(self.editor.draft(before))
        except LeadValidationError as exc:
            self.editor.show_problems([(p.field, p.message) for p in exc.problems])
            return None
        self.editor.clear_problems()
        return {
            f.name: getattr(after, f.name)
            for f in fields(after)
            if f.name != "custom_fields" and getattr(after, f.name) != getattr(before, f.name)
        }

    def save_edit(self, *, force: bool = False) -> None:
        if self.bundle is None or self.editor is None:
            return
        changes = self._changes()
        if changes is None:
            return
        if not changes:
            self._set_editing(False)
            return
        lifecycle, lead_id, actor = self.ctx.services.lifecycle, self.lead_id, self.ctx.member_id
        version = self.bundle.detail.version
        self.save_button.setEnabled(False)
        run_in_background(
            lambda: lifecycle.update_lead(
                lead_id, changes, expected_version=version, actor_id=actor, force=force
            ),
            on_done=self._saved,
            on_error=self._save_failed,
        )

    def _saved(self, _version: int) -> None:
        self.save_button.setEnabled(True)
        self._set_editing(False)
        self.ctx.notify_changed()
        self.lead_changed.emit(self.lead_id)
        self.reload()

    def _save_failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        if not isinstance(exc, ConflictError):
            show_error(self, exc)
            return
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(self.tr("Changed by someone else"))
        who = exc.changed_by or self.tr("someone else")
        when = format_datetime(exc.changed_at) if exc.changed_at else ""
        box.setText(
            self.tr("This lead was changed by %1 at %2 after you opened it.")
            .replace("%1", who)
            .replace("%2", when)
        )
        box.setInformativeText(
            self.tr("Reload shows their version (your edits are dropped); Overwrite saves yours over theirs.")
        )
        reload_button = box.addButton(self.tr("Reload"), QMessageBox.ButtonRole.AcceptRole)
        overwrite_button = box.addButton(self.tr("Overwrite"), QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)

        def chosen(button: Any) -> None:
            if button is reload_button:
                self._set_editing(False)
                self.reload()
            elif button is overwrite_button:
                self.save_edit(force=True)

        box.buttonClicked.connect(chosen)
        self.conflict_box = box
        box.open()

    # --- privacy -------------------------------------------------------------------------------------

    def _choose_export(self) -> None:
        if self.bundle is None:
            return
        p = self.bundle.detail.profile
        suggested = "-".join(x for x in (p.first_name, p.last_name) if x) or f"lead-{self.lead_id}"
        path, _filter = QFileDialog.getSaveFileName(
            self, self.tr("Export person"), f"{suggested}.xlsx", self.tr("Excel workbook (*.xlsx)")
        )
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        privacy, lead_id = self.ctx.services.privacy, self.lead_id
        run_in_background(
            lambda: privacy.export_person(lead_id, path),
            on_done=self._exported,
            on_error=lambda e: show_error(self, e),
        )

    def _exported(self, path: Path) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, self.tr("Export person"), "", parent=self)
        box.setText(self.tr("Everything held about this person was saved to %1").replace("%1", str(path)))
        box.open()

    def backups_note(self) -> str:
        if self.ctx.services.db.is_sqlite:
            return self.tr(
                "Backups taken before now still hold this person until they expire: daily backups are kept "
                "for 7 days and weekly ones for 4 weeks, so in about 5 weeks no backup holds them any more."
            )
        return self.tr(
            "The database is on a server: its backups and logs are kept by the administrator, who must "
            "let them expire or clean them."
        )

    def confirm_erase(self) -> None:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(self.tr("Erase person"))
        box.setText(
            self.tr(
                "Erase the personal data of this lead for good? Name, email, phone, notes and every copy in "
                "the history are removed; the lead stays in the counts. This cannot be undone."
            )
        )
        box.setInformativeText(self.backups_note())
        erase = box.addButton(self.tr("Erase"), QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.buttonClicked.connect(lambda b: self.erase() if b is erase else None)
        self.confirm_box = box
        box.open()

    def erase(self) -> None:
        privacy, lead_id, actor = self.ctx.services.privacy, self.lead_id, self.ctx.member_id
        self.erase_button.setEnabled(False)
        run_task(
            lambda _control: privacy.erase(lead_id, actor_id=actor),
            on_done=self._erased,
            on_error=lambda e: (self.erase_button.setEnabled(True), show_error(self, e)),
        )

    def _erased(self, _report: Any) -> None:
        self.ctx.notify_changed()
        self.lead_changed.emit(self.lead_id)
        self.reload()
