"""PySide6 user interface. Calls services, receives plain records; never touches the ORM or SQL."""
