"""Translation: every user-visible string goes through Qt's translator.

Widgets use `self.tr(...)`; module-level code uses `tr(context, text)` so that `pyside6-lupdate` finds
the strings (it recognises `QCoreApplication.translate` calls).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from leaddesk.ui.resources import resource_path


def tr(context: str, text: str, disambiguation: str | None = None, n: int = -1) -> str:
    return QCoreApplication.translate(context, text, disambiguation, n)


def install_translators(app: QCoreApplication, locale: QLocale | None = None) -> list[QTranslator]:
    """Load Qt's own and LeadDesk's translations for the locale; missing files mean English."""
    locale = locale or QLocale()
    installed = []
    qt = QTranslator(app)
    if qt.load(locale, "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt)
        installed.append(qt)
    ours = QTranslator(app)
    folder = resource_path("translations")
    if folder is not None and ours.load(locale, "leaddesk", "_", str(Path(folder))):
        app.installTranslator(ours)
        installed.append(ours)
    return installed
