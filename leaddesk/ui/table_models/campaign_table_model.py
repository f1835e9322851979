"""The campaigns panel's model: each campaign with its figures (volume, this month, closed loop).

Rows arrive whole from `CampaignService` (a few dozen campaigns); `data()` only formats what it holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from leaddesk.domain.records import CampaignFigures, CampaignRow
from leaddesk.ui.formatting import channel_label, format_date, format_int, format_money, format_percent
from leaddesk.ui.i18n import tr

Index = QModelIndex | QPersistentModelIndex
CAMPAIGN_ROLE = Qt.ItemDataRole.UserRole + 1
#: (done, target) for the progress column's painter.
PROGRESS_ROLE = Qt.ItemDataRole.UserRole + 2


@dataclass(frozen=True, slots=True)
class CampaignLine:
    campaign: CampaignRow
    figures: CampaignFigures


def _empty(campaign_id: int, target: int) -> CampaignFigures:
    return CampaignFigures(campaign_id, 0, 0, target, 0, 0, 0, 0, 0, Decimal(0))


@dataclass(frozen=True, slots=True)
class _Column:
    key: str
    header: str
    text: Callable[[CampaignLine], str]
    numeric: bool = True
    tip: str = ""


def _dates(c: CampaignRow) -> str:
    if c.starts_on and c.ends_on:
        return f"{format_date(c.starts_on)} – {format_date(c.ends_on)}"
    if c.starts_on:
        return tr("Campaigns", "from %1").replace("%1", format_date(c.starts_on))
    return ""


def campaign_columns() -> list[_Column]:
    f = lambda line: line.figures  # noqa: E731 - a tiny accessor keeps the table readable
    return [
        _Column("name", tr("Campaigns", "Campaign"), lambda x: x.campaign.name, numeric=False),
        _Column(
            "channel", tr("Campaigns", "Channel"), lambda x: channel_label(x.campaign.channel), numeric=False
        ),
        _Column("owner", tr("Campaigns", "Owner"), lambda x: x.campaign.owner_name or "", numeric=False),
        _Column("dates", tr("Campaigns", "Running"), lambda x: _dates(x.campaign), numeric=False),
        _Column("leads", tr("Campaigns", "Leads"), lambda x: format_int(f(x).leads)),
        _Column(
            "mqls",
            tr("Campaigns", "MQLs this month"),
            lambda x: (
                f"{format_int(f(x).mqls_this_month)} / {format_int(f(x).monthly_target)}"
                if f(x).monthly_target
                else format_int(f(x).mqls_this_month)
            ),
            tip=tr("Campaigns", "Marketing-qualified leads this month against the campaign's monthly target"),
        ),
        _Column(
            "accepted",
            tr("Campaigns", "Accepted"),
            lambda x: format_int(f(x).accepted),
            tip=tr("Campaigns", "Leads sales accepted (current pass)"),
        ),
        _Column(
            "acceptance",
            tr("Campaigns", "Accept %"),
            lambda x: format_percent(f(x).acceptance_rate),
            tip=tr("Campaigns", "Accepted among the leads sales answered (accepted or returned)"),
        ),
        _Column(
            "opportunities",
            tr("Campaigns", "Opport."),
            lambda x: format_int(f(x).opportunities),
            tip=tr("Campaigns", "Leads that became opportunities"),
        ),
        _Column("won", tr("Campaigns", "Won"), lambda x: format_int(f(x).won)),
        _Column("revenue", tr("Campaigns", "Revenue"), lambda x: format_money(f(x).revenue)),
    ]


class CampaignTableModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._columns = campaign_columns()
        self._lines: list[CampaignLine] = []
        self._bold = QFont()
        self._bold.setBold(True)
        self._muted = QColor("#8a8f98")

    @property
    def columns(self) -> list[str]:
        return [c.key for c in self._columns]

    def column_of(self, key: str) -> int:
        return self.columns.index(key)

    def set_data(self, campaigns: list[CampaignRow], figures: dict[int, CampaignFigures]) -> None:
        self.beginResetModel()
        self._lines = [
            CampaignLine(c, figures.get(c.id) or _empty(c.id, c.monthly_mql_target)) for c in campaigns
        ]
        self.endResetModel()

    def lines(self) -> list[CampaignLine]:
        return list(self._lines)

    def line_at(self, row: int) -> CampaignLine | None:
        return self._lines[row] if 0 <= row < len(self._lines) else None

    def row_of(self, campaign_id: int) -> int:
        return next((i for i, line in enumerate(self._lines) if line.campaign.id == campaign_id), -1)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._lines)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        line = self._lines[index.row()]
        column = self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(line)
        if role == CAMPAIGN_ROLE:
            return line
        if role == PROGRESS_ROLE and column.key == "mqls":
            return (line.figures.mqls_this_month, line.figures.monthly_target)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = Qt.AlignmentFlag.AlignRight if column.numeric else Qt.AlignmentFlag.AlignLeft
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and column.key in ("name", "revenue"):
            return self._bold
        if role == Qt.ItemDataRole.ForegroundRole and line.campaign.archived:
            return self._muted
        if role == Qt.ItemDataRole.ToolTipRole:
            if line.campaign.archived:
                return tr("Campaigns", "Archived")
            return column.tip or None
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        column = self._columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.header
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.tip or None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = Qt.AlignmentFlag.AlignRight if column.numeric else Qt.AlignmentFlag.AlignLeft
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        return None
