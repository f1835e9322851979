"""Every corpus file through the import service (../shared/corpus, see its README).

Outside malformed/: a dry run (read, map, prepare, duplicates, the whole write, rolled back) either yields
figures that add up, or a clear message (a file with no table, or no column that identifies a person).
The database is left as it was. In malformed/: the file is refused with a clear message and the database
file is byte-for-byte the same.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from leaddesk.app import Services, build_services
from leaddesk.domain.errors import ImportFileError, UserError
from leaddesk.models import ImportBatch, Lead
from leaddesk.models.database import open_database
from leaddesk.services.importing import PrepareOptions
from leaddesk.services.importing.import_service import ImportSettings

CORPUS = Path(__file__).parents[2].parent / "shared" / "corpus"
if not CORPUS.is_dir():
    pytest.skip(f"the shared corpus is not at {CORPUS}", allow_module_level=True)

FILES = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name not in ("README.md", "MANIFEST.tsv"))
READABLE = [p for p in FILES if p.parent.name != "malformed"]
MALFORMED = [p for p in FILES if p.parent.name == "malformed"]


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    path = tmp_path_factory.mktemp("corpus") / "corpus.sqlite3"
    svc = build_services(open_database(f"sqlite:///{path}"))
    yield svc
    svc.db.dispose()


def _counts(services: Services) -> tuple[int, int]:
    with services.db.reading() as s:
        leads = int(s.scalar(select(func.count()).select_from(Lead)) or 0)
        batches = int(s.scalar(select(func.count()).select_from(ImportBatch)) or 0)
    return leads, batches


@pytest.mark.parametrize("path", READABLE, ids=lambda p: str(p.relative_to(CORPUS)))
def test_every_file_goes_through_a_dry_run_import(services: Services, path: Path) -> None:
    try:
        result = services.imports.import_file(path, ImportSettings(dry_run=True, campaign="Corpus"))
    except UserError as exc:
        assert len(exc.message) > 30, exc.message
        assert isinstance(exc, ImportFileError) or "No column is mapped to Email, Phone" in exc.message
    else:
        assert result.dry_run and result.batch_id is None
        assert result.rows_read == result.created + result.duplicates + result.rejected
        assert result.errors_total >= result.rejected
    assert _counts(services) == (0, 0)
    assert services.campaigns.list_campaigns() == []


def test_known_figures_salesforce_accounts(services: Services) -> None:
    """423 accounts, of which 9 have a phone number: the only thing that identifies them (NAME is taken for
    a person's name, and there is no company column), so 414 rows are rejected by row number."""
    path = CORPUS / "crm-templates/salesforce_accountData.csv"
    for region in ("IT", "US"):
        result = services.imports.import_file(
            path, ImportSettings(dry_run=True, prepare=PrepareOptions(default_region=region))
        )
        assert (result.rows_read, result.rejected, result.created + result.duplicates) == (423, 414, 9)
        assert {e.row for e in result.errors if e.message.startswith("Rejected")} == {
            r.row_number for r in result.rejected_rows
        }


def _fingerprint(path: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(path.parent.glob(path.name + "*"))
        if p.is_file()
    }


@pytest.mark.parametrize("path", MALFORMED, ids=lambda p: p.name)
def test_every_malformed_file_is_refused_and_the_database_untouched(tmp_path: Path, path: Path) -> None:
    db_path = tmp_path / "malformed.sqlite3"
    services = build_services(open_database(f"sqlite:///{db_path}"))
    services.db.dispose()
    before = _fingerprint(db_path)
    try:
        with pytest.raises(ImportFileError) as info:
            services.imports.import_file(path, ImportSettings(campaign="Malformed"))
        assert len(info.value.message) > 20
        assert "\n" not in info.value.message
    finally:
        services.db.dispose()
    assert _fingerprint(db_path) == before
