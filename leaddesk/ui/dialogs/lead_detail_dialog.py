"""One lead in full: profile, the timeline of events with who and when, activities and campaign touches."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from leaddesk.domain.records import ActivityRow, EventRow, LeadDetail, TouchRow
from leaddesk.ui.background import run_in_background
from leaddesk.ui.context import AppContext
from leaddesk.ui.errors import show_error
from leaddesk.ui.formatting import (
    activity_label,
    event_label,
    format_date,
    format_datetime,
    format_money,
    outcome_label,
    reject_reason_label,
    stage_label,
)


@dataclass(frozen=True, slots=True)
class LeadBundle:
    detail: LeadDetail
    events: list[EventRow]
    activities: list[ActivityRow]
    touches: list[TouchRow]


def load_bundle(ctx: AppContext, lead_id: int) -> LeadBundle:
    q = ctx.services.leads
    return LeadBundle(q.detail(lead_id), q.events(lead_id), q.activities(lead_id), q.touches(lead_id))


class LeadDetailDialog(QDialog):
    def __init__(self, ctx: AppContext, lead_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.lead_id = lead_id
        self.setWindowTitle(self.tr("Lead"))
        self.resize(920, 620)
        self.title = QLabel(self)
        self.title.setObjectName("leadTitle")
        self.subtitle = QLabel(self)
        self.form = QFormLayout()
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        profile = QWidget(self)
        profile.setLayout(self.form)
        self.timeline = self._tree([self.tr("When"), self.tr("What"), self.tr("Who"), self.tr("Details")])
        self.activities = self._tree(
            [self.tr("When"), self.tr("Type"), self.tr("Outcome"), self.tr("By"), self.tr("Note")]
        )
        self.touches = self._tree([self.tr("When"), self.tr("Campaign"), self.tr("Content"), self.tr("Type")])
        tabs = QTabWidget(self)
        tabs.addTab(self.timeline, self.tr("History"))
        tabs.addTab(self.activities, self.tr("Activities"))
        tabs.addTab(self.touches, self.tr("What the lead has seen"))
        body = QHBoxLayout()
        body.addWidget(profile, 2)
        body.addWidget(tabs, 3)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addLayout(body, 1)
        layout.addWidget(buttons)
        self.title.setStyleSheet("font-size: 18px; font-weight: 600;")
        self.reload()

    def _tree(self, headers: list[str]) -> QTreeWidget:
        tree = QTreeWidget(self)
        tree.setHeaderLabels(headers)
        tree.setRootIsDecorated(False)
        tree.setAlternatingRowColors(True)
        tree.setColumnWidth(0, 130)
        return tree

    def reload(self) -> None:
        ctx, lead_id = self._ctx, self.lead_id
        run_in_background(
            lambda: load_bundle(ctx, lead_id),
            on_done=self.show_bundle,
            on_error=lambda e: show_error(self, e),
        )

    def show_bundle(self, bundle: LeadBundle) -> None:
        d = bundle.detail
        p = d.profile
        name = (
            " ".join(x for x in (p.first_name, p.last_name) if x)
            or p.email
            or self.tr("Lead #%1").replace("%1", str(d.id))
        )
        self.title.setText(name)
        self.subtitle.setText(
            " · ".join(
                x
                for x in (
                    p.job_title,
                    p.company,
                    stage_label(d.stage),
                    self.tr("score %1").replace("%1", str(d.score)),
                )
                if x
            )
        )
        while self.form.rowCount():
            self.form.removeRow(0)
        rows = [
            (self.tr("Email"), p.email),
            (self.tr("Phone"), p.phone),
            (self.tr("Company size"), str(p.company_size) if p.company_size else None),
            (self.tr("Industry"), p.industry),
            (self.tr("City"), ", ".join(x for x in (p.city, p.province, p.country) if x)),
            (self.tr("Source"), p.source),
            (self.tr("Campaign"), d.campaign_name),
            (self.tr("Marketing owner"), d.marketing_owner_name),
            (self.tr("Sales owner"), d.sales_owner_name),
            (self.tr("Handoff note"), d.handoff_note),
            (self.tr("Returned because"), reject_reason_label(d.reject_reason) if d.reject_reason else None),
            (self.tr("Closed because"), d.lost_reason),
            (
                self.tr("Expected value"),
                format_money(d.expected_value) if d.expected_value is not None else None,
            ),
            (self.tr("Expected close"), format_date(d.expected_close_on)),
            (self.tr("Consent to contact"), self.tr("yes") if p.consent else self.tr("no")),
            (self.tr("Notes"), p.notes),
        ]
        rows += [(key, str(value)) for key, value in sorted(p.custom_fields.items())]
        for label, value in rows:
            if value:
                text = QLabel(value)
                text.setWordWrap(True)
                text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                self.form.addRow(label + ":", text)
        self.timeline.clear()
        for e in reversed(bundle.events):
            move = ""
            if e.from_stage and e.to_stage and e.from_stage != e.to_stage:
                move = f"{stage_label(e.from_stage)} → {stage_label(e.to_stage)}"
            details = "; ".join(x for x in (move, e.reason or "", str(e.details.get("note") or "")) if x)
            QTreeWidgetItem(
                self.timeline, [format_datetime(e.at), event_label(e.kind), e.actor_name or "", details]
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
