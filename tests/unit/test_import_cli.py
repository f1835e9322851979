"""`leaddesk import` and `leaddesk imports`: the JSON figures, exit codes and one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from leaddesk.cli import main
from tests.import_files.builders import write_xlsx

HEADERS = ["Nome", "Cognome", "Email", "Telefono", "Azienda"]


@pytest.fixture
def db_file(tmp_path: Path) -> str:
    return str(tmp_path / "cli.sqlite3")


@pytest.fixture
def lead_list(tmp_path: Path) -> Path:
    return write_xlsx(
        tmp_path / "lista.xlsx",
        [
            HEADERS,
            ["Anna", "Verdi", "anna@example.it", None, "Acme"],
            [],  # an empty row is not read
            ["Anna", "Verdi", "ANNA@example.it", "333 1234567", "Acme"],  # a duplicate of the row above
            ["Solo", None, None, None, None],  # rejected
            ["Bruno", "Neri", None, "02 7654321", None],
        ],
    )


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_figures(capsys: pytest.CaptureFixture[str], db_file: str, lead_list: Path) -> None:
    code, out, err = cli(capsys, "--db", db_file, "import", str(lead_list), "--campaign", "Fiera", "--json")
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    assert list(data) == ["batch_id", "rows_read", "created", "updated", "duplicates", "rejected", "errors"]
    assert data["batch_id"] == 1
    assert (data["rows_read"], data["created"], data["updated"], data["duplicates"], data["rejected"]) == (
        4,
        2,
        0,
        1,
        1,
    )
    assert data["errors"] == [
        {
            "row": 5,
            "column": "Nome, Cognome, Email, Telefono, Azienda",
            "message": "Rejected: the row needs an email, a phone, or a name with a company.",
        }
    ]
    # The same file again, overwriting: both rows are duplicates of existing leads.
    code, out, _ = cli(capsys, "--db", db_file, "import", str(lead_list), "--on-duplicate", "skip", "--json")
    data = json.loads(out)
    assert (code, data["batch_id"], data["created"], data["duplicates"], data["updated"]) == (0, 2, 0, 3, 0)


def test_dry_run_and_the_batch_list_and_undo(
    capsys: pytest.CaptureFixture[str], db_file: str, lead_list: Path
) -> None:
    code, out, _ = cli(capsys, "--db", db_file, "import", str(lead_list), "--dry-run", "--json")
    data = json.loads(out)
    assert (code, data["batch_id"], data["created"], data["dry_run"]) == (0, None, 2, True)
    code, out, _ = cli(capsys, "--db", db_file, "imports", "list")
    assert (code, out.strip()) == (0, "No imports yet.")
    code, out, _ = cli(capsys, "--db", db_file, "import", str(lead_list))
    assert code == 0 and out.startswith(
        "Import #1: 4 rows read, 2 leads created, 0 updated, 1 duplicates, 1 rejected"
    )
    assert "row 5 [Nome, Cognome, Email, Telefono, Azienda]: Rejected" in out
    code, out, _ = cli(capsys, "--db", db_file, "imports", "list", "--json")
    listed = json.loads(out)
    assert [(b["batch_id"], b["file"], b["created"], b["undone_at"]) for b in listed] == [
        (1, "lista.xlsx", 2, None)
    ]
    code, out, _ = cli(capsys, "--db", db_file, "imports", "undo", "1")
    assert (code, out.strip()) == (0, "Undid import #1: 2 leads removed, 0 leads restored.")
    code, _, err = cli(capsys, "--db", db_file, "imports", "undo", "1")
    assert code == 1 and err.count("\n") == 1 and "already undone" in err


def test_options_reach_the_import(capsys: pytest.CaptureFixture[str], db_file: str, tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "two.xlsx",
        [["x"], ["ignored"], HEADERS, ["Anna", "Verdi", None, "044 668 18 00", None]],
        sheets={"Altro": ([HEADERS, ["Bruno", "Neri", "b@x.it", None, None]], "visible")},
    )
    code, out, _ = cli(capsys, "--db", db_file, "import", str(path), "--sheet", "Altro", "--json")
    assert (code, json.loads(out)["created"]) == (0, 1)
    code, out, _ = cli(
        capsys, "--db", db_file, "import", str(path), "--region", "ch", "--header-row", "3", "--json"
    )
    assert (code, json.loads(out)["created"]) == (0, 1)


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda d: d / "missing.xlsx", "There is no file"),
        (lambda d: _write(d / "fake.xlsx", b"PK\x03\x04 not really a zip"), ""),
        (lambda d: _write(d / "empty.csv", b""), "empty"),
    ],
)
def test_a_file_that_cannot_be_imported_is_one_line_and_exit_1(
    tmp_path: Path, db_file: str, make: Any, words: str
) -> None:
    path = make(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "leaddesk", "--db", db_file, "import", str(path), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ},
        check=False,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("leaddesk: ")
    assert words.lower() in lines[0].lower()


def test_unknown_preset_and_usage_errors(
    capsys: pytest.CaptureFixture[str], db_file: str, lead_list: Path
) -> None:
    code, _, err = cli(capsys, "--db", db_file, "import", str(lead_list), "--preset", "Fiere")
    assert code == 1 and "no import preset called 'Fiere'" in err
    with pytest.raises(SystemExit) as info:
        main(["--db", db_file, "import", str(lead_list), "--on-duplicate", "merge"])
    assert info.value.code == 2


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
