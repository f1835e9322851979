"""Rendering an area of the main window to a PNG, offscreen (README pictures, checking what users see)."""

from __future__ import annotations

import os
from pathlib import Path

from leaddesk.app import Services


def render_area(services: Services, area: str, out: Path, size: tuple[int, int], member: str | None) -> Path:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QCoreApplication, QDeadlineTimer, QSettings, QThread

    from leaddesk.domain.errors import NotFoundError, ValidationError
    from leaddesk.ui.application import make_application
    from leaddesk.ui.background import wait_for_all
    from leaddesk.ui.context import AppContext
    from leaddesk.ui.main_window import AREAS, MainWindow
    from leaddesk.ui.pc_settings import PcSettings

    if area not in AREAS:
        raise ValidationError(f"Unknown view '{area}'; choose one of: {', '.join(AREAS)}.")
    app = make_application()
    # A scratch settings file: a screenshot must not change (or depend on) this PC's window layout.
    scratch = Path(out).with_suffix(".ini.tmp")
    ctx = AppContext(services, PcSettings(QSettings(str(scratch), QSettings.Format.IniFormat)))
    if member:
        found = services.team.find_by_name(member)
        if found is None:
            raise NotFoundError(f"There is no team member called {member}.")
        ctx.set_member(found)
    else:
        # By default, see the area as the person who works in it would.
        role = {"marketing": "marketing", "sales": "sales"}.get(area, "manager")
        people = [m for m in services.team.list_members(active_only=True) if m.role.value == role]
        if people:
            ctx.set_member(people[0])
    window = MainWindow(ctx)
    window.resize(*size)
    window.show_area(area)
    window.show()
    # Let pages load their data: wait for the workers, deliver their results, let Qt lay out and paint.
    deadline = QDeadlineTimer(20_000)
    for _ in range(6):
        wait_for_all(int(max(deadline.remainingTime(), 0)))
        QCoreApplication.processEvents()
        QThread.msleep(30)
        QCoreApplication.processEvents()
    pixmap = window.grab()
    out.parent.mkdir(parents=True, exist_ok=True)
    if not pixmap.save(str(out), "PNG"):
        raise ValidationError(f"Could not write the picture to {out}.")
    window.close()
    scratch.unlink(missing_ok=True)
    app.processEvents()
    return out
