"""Starting the GUI: the application object, the database, the first-start welcome and the window."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication, QMessageBox

from leaddesk import __version__
from leaddesk.app import database_is_new, open_services
from leaddesk.domain.errors import UserError
from leaddesk.logs import setup_logging
from leaddesk.ui.background import wait_for_all
from leaddesk.ui.i18n import install_translators


def make_application() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setOrganizationName("LeadDesk")
    app.setApplicationName("LeadDesk")
    app.setApplicationVersion(__version__)
    install_translators(app)
    return app


def run(db_flag: str | None) -> int:
    setup_logging()
    app = make_application()
    first_start = database_is_new(db_flag)
    try:
        services = open_services(db_flag)
    except UserError as exc:
        QMessageBox.critical(None, app.translate("Start", "LeadDesk cannot open its database"), str(exc))
        return 1
    try:
        from leaddesk.ui.context import AppContext
        from leaddesk.ui.dialogs.identity_dialog import IdentityDialog
        from leaddesk.ui.dialogs.welcome_dialog import WelcomeDialog
        from leaddesk.ui.main_window import MainWindow
        from leaddesk.ui.pc_settings import PcSettings

        ctx = AppContext(services, PcSettings())
        if first_start and WelcomeDialog(ctx).exec() != WelcomeDialog.DialogCode.Accepted:
            return 0
        if ctx.member is None:
            IdentityDialog(ctx).exec()
        window = MainWindow(ctx)
        window.show()
        return app.exec()
    finally:
        wait_for_all()
        services.close()
