"""The lead's profile as a form (new lead, edit in the lead detail): one editor per field of
`PROFILE_FIELDS`, plus campaign and marketing owner; problems are shown beside their field."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)

from leaddesk.domain.enums import Role
from leaddesk.domain.fields import PROFILE_FIELDS, FieldKind
from leaddesk.domain.records import CampaignRow, LeadDraft, MemberRow
from leaddesk.ui.i18n import tr

ERROR_STYLE = "border: 1px solid #c0392b; border-radius: 3px;"


def field_label(name: str) -> str:
    labels = {
        "first_name": tr("LeadForm", "First name"),
        "last_name": tr("LeadForm", "Last name"),
        "email": tr("LeadForm", "Email"),
        "phone": tr("LeadForm", "Phone"),
        "job_title": tr("LeadForm", "Job title"),
        "company": tr("LeadForm", "Company"),
        "company_size": tr("LeadForm", "Company size"),
        "industry": tr("LeadForm", "Industry"),
        "country": tr("LeadForm", "Country"),
        "province": tr("LeadForm", "Province"),
        "city": tr("LeadForm", "City"),
        "source": tr("LeadForm", "Source"),
        "consent": tr("LeadForm", "Consent to contact"),
        "notes": tr("LeadForm", "Notes"),
        "campaign_id": tr("LeadForm", "Campaign"),
        "marketing_owner_id": tr("LeadForm", "Marketing owner"),
    }
    return labels.get(name, name)


class LeadForm(QWidget):
    def __init__(
        self,
        campaigns: Iterable[CampaignRow],
        members: Iterable[MemberRow],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.editors: dict[str, QWidget] = {}
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        for f in PROFILE_FIELDS:
            editor: QWidget
            if f.kind == FieldKind.INTEGER:
                spin = QSpinBox(self)
                spin.setRange(0, 10_000_000)
                spin.setSpecialValueText(tr("LeadForm", "unknown"))
                editor = spin
            elif f.kind == FieldKind.BOOLEAN:
                editor = QCheckBox(tr("LeadForm", "The person agreed to be contacted"), self)
            elif f.name == "notes":
                notes = QPlainTextEdit(self)
                notes.setTabChangesFocus(True)
                notes.setFixedHeight(70)
                editor = notes
            else:
                line = QLineEdit(self)
                if f.kind == FieldKind.EMAIL:
                    line.setPlaceholderText("nome.cognome@azienda.it")
                elif f.kind == FieldKind.PHONE:
                    line.setPlaceholderText("+39 347 123 4567")
                elif f.kind == FieldKind.COUNTRY:
                    line.setPlaceholderText("IT")
                editor = line
            editor.setObjectName(f"field-{f.name}")
            self.editors[f.name] = editor
            self.form.addRow(field_label(f.name) + ":", editor)
        self.campaign = QComboBox(self)
        self.campaign.setObjectName("field-campaign_id")
        self.campaign.addItem(tr("LeadForm", "No campaign"), None)
        for c in campaigns:
            self.campaign.addItem(c.name, c.id)
        self.owner = QComboBox(self)
        self.owner.setObjectName("field-marketing_owner_id")
        self.owner.addItem(tr("LeadForm", "Nobody"), None)
        for m in members:
            if m.active and m.role in (Role.MARKETING, Role.MANAGER):
                self.owner.addItem(m.name, m.id)
        self.form.addRow(field_label("campaign_id") + ":", self.campaign)
        self.form.addRow(field_label("marketing_owner_id") + ":", self.owner)
        self.editors["campaign_id"] = self.campaign
        self.editors["marketing_owner_id"] = self.owner
        self.problems = QLabel(self)
        self.problems.setObjectName("formProblems")
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #c0392b;")
        self.problems.hide()
        self.form.addRow(self.problems)

    # --- values --------------------------------------------------------------------------------------

    def set_draft(self, draft: LeadDraft) -> None:
        for f in PROFILE_FIELDS:
            editor = self.editors[f.name]
            value = getattr(draft, f.name)
            if isinstance(editor, QSpinBox):
                editor.setValue(int(value or 0))
            elif isinstance(editor, QCheckBox):
                editor.setChecked(bool(value))
            elif isinstance(editor, QPlainTextEdit):
                editor.setPlainText(value or "")
            elif isinstance(editor, QLineEdit):
                editor.setText("" if value is None else str(value))
        for combo, value in ((self.campaign, draft.campaign_id), (self.owner, draft.marketing_owner_id)):
            index = combo.findData(value)
            if index < 0 and value is not None:
                combo.addItem(f"#{value}", value)
                index = combo.count() - 1
            combo.setCurrentIndex(max(index, 0))

    def draft(self, base: LeadDraft | None = None) -> LeadDraft:
        values: dict[str, Any] = {}
        for f in PROFILE_FIELDS:
            editor = self.editors[f.name]
            if isinstance(editor, QSpinBox):
                values[f.name] = editor.value() or None
            elif isinstance(editor, QCheckBox):
                values[f.name] = editor.isChecked()
            elif isinstance(editor, QPlainTextEdit):
                values[f.name] = editor.toPlainText() or None
            elif isinstance(editor, QLineEdit):
                values[f.name] = editor.text() or None
        values["campaign_id"] = self.campaign.currentData()
        values["marketing_owner_id"] = self.owner.currentData()
        return replace(base, **values) if base is not None else LeadDraft(**values)

    def set_text(self, name: str, value: str) -> None:
        editor = self.editors[name]
        if isinstance(editor, QLineEdit):
            editor.setText(value)
        elif isinstance(editor, QPlainTextEdit):
            editor.setPlainText(value)

    # --- problems ------------------------------------------------------------------------------------

    def show_problems(self, problems: Iterable[tuple[str, str]]) -> None:
        self.clear_problems()
        messages = []
        for name, message in problems:
            editor = self.editors.get(name)
            if editor is not None:
                editor.setStyleSheet(ERROR_STYLE)
                editor.setToolTip(message)
            messages.append(message)
        if messages:
            self.problems.setText("\n".join(messages))
            self.problems.show()
            first = next((self.editors[n] for n, _m in problems if n in self.editors), None)
            if first is not None:
                first.setFocus()

    def clear_problems(self) -> None:
        for editor in self.editors.values():
            editor.setStyleSheet("")
            editor.setToolTip("")
        self.problems.hide()
