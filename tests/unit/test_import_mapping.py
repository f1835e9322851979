"""Column mapping: synonyms in English, Italian and CRM style, conflicts, corrections, presets, signatures."""

from __future__ import annotations

import pytest

from leaddesk.domain.errors import ValidationError
from leaddesk.domain.fields import ALL_FIELDS
from leaddesk.services.importing import (
    FULL_NAME,
    IGNORE,
    ColumnMapping,
    apply_preset,
    mapping_signature,
    propose_mapping,
)
from leaddesk.services.importing.column_mapping import match_target


@pytest.mark.parametrize(
    ("header", "target"),
    [
        ("FIRST_NAME", "first_name"), ("First Name", "first_name"), ("Nome", "first_name"),
        ("LAST_NAME", "last_name"), ("Cognome", "last_name"), ("Surname", "last_name"),
        ("Email Address", "email"), ("E-mail", "email"), ("Indirizzo email", "email"), ("EMAIL", "email"),
        ("Cellulare", "phone"), ("Telefono", "phone"), ("Mobile Phone", "phone"), ("PHONE", "phone"),
        ("Ragione sociale", "company"), ("Azienda", "company"), ("Company Name", "company"),
        ("Ruolo", "job_title"), ("Job Title", "job_title"), ("N. dipendenti", "company_size"),
        ("NUMBEROFEMPLOYEES", "company_size"), ("Settore", "industry"), ("Nazione", "country"),
        ("Paese", "country"), ("Provincia", "province"), ("Città", "city"), ("CITTA", "city"),
        ("Fonte", "source"), ("LEADSOURCE", "source"), ("Consenso privacy", "consent"), ("Note", "notes"),
        ("Campagna", "campaign"), ("Stato lead", "stage"), ("STAGENAME", "stage"),
        ("Data creazione", "created_at"), ("Data consegna a sales", "handed_off_at"),
        ("Data primo contatto", "first_contact_at"), ("Data chiusura", "closed_at"),
        ("CLOSEDATE", "closed_at"), ("Esito", "outcome"), ("Motivo perdita", "lost_reason"),
        ("Motivo rifiuto", "reject_reason"), ("Commerciale", "sales_owner"), ("Lead Owner", "sales_owner"),
        ("Valore", "value"), ("AMOUNT", "value"),
        ("Nome e cognome", FULL_NAME), ("Full Name", FULL_NAME), ("Nominativo", FULL_NAME),
    ],
)  # fmt: skip
def test_synonyms(header: str, target: str) -> None:
    found = match_target(header)
    assert found is not None and found[0] == target


@pytest.mark.parametrize("spec", ALL_FIELDS, ids=lambda f: f.name)
def test_a_fields_own_name_and_label_always_map(spec: object) -> None:
    name, label = spec.name, spec.label  # type: ignore[attr-defined]
    for header in (name, name.upper(), label, label.upper(), f" {label}. "):
        assert match_target(header) == (name, 3)


def test_matching_ignores_case_accents_punctuation_and_spacing() -> None:
    assert match_target("  e_MAIL  ") == ("email", 3)
    assert match_target("Citta'") == ("city", 2)
    assert match_target("DATA-PRIMO-CONTATTO") == ("first_contact_at", 2)
    assert match_target("Società") == ("company", 2)
    assert match_target("Indirizzo E-Mail") == ("email", 2)
    assert match_target("Colore preferito") is None


@pytest.mark.parametrize(
    ("header", "target"),
    [
        ("E-mail aziendale", "email"), ("Email (lavoro)", "email"), ("Mail personale", "email"),
        ("Email 2", "email"), ("Telefono ufficio", "phone"), ("Cellulare aziendale", "phone"),
        ("Tel. fisso", "phone"), ("Home phone", "phone"),
        # Only email and phone, and only with the usual qualifiers.
        ("Email consenso", None), ("Azienda principale", None), ("Nome 2", None), ("Mail merge", None),
        ("Direct mail", None), ("Mail diretta", None),
    ],
)  # fmt: skip
def test_email_and_phone_headers_with_a_qualifier_map_more_weakly(header: str, target: str | None) -> None:
    assert match_target(header) == ((target, 1) if target else None)


def test_a_plain_email_column_wins_over_a_qualified_one() -> None:
    mapping = propose_mapping(["Nome", "E-mail aziendale", "Email", "Telefono ufficio"])
    assert mapping.as_dict() == {
        "Nome": "first_name",
        "E-mail aziendale": None,
        "Email": "email",
        "Telefono ufficio": "phone",
    }


def test_proposal_unmapped_columns_become_custom_fields() -> None:
    mapping = propose_mapping(["Nome", "Cognome", "Email", "Codice cliente", "Colore preferito"])
    assert mapping.as_dict() == {
        "Nome": "first_name",
        "Cognome": "last_name",
        "Email": "email",
        "Codice cliente": None,
        "Colore preferito": None,
    }


def test_one_column_per_field_exact_name_wins() -> None:
    mapping = propose_mapping(["Telefono", "Cellulare", "phone"])
    assert mapping.as_dict() == {"Telefono": None, "Cellulare": None, "phone": "phone"}
    mapping = propose_mapping(["Telefono", "Cellulare"])
    assert mapping.as_dict() == {"Telefono": "phone", "Cellulare": None}


def test_full_name_column_unless_first_and_last_exist() -> None:
    assert propose_mapping(["Nome e cognome", "Email"]).target_of("Nome e cognome") == FULL_NAME
    mapping = propose_mapping(["Name", "First Name", "Last Name"])
    assert mapping.as_dict() == {"Name": None, "First Name": "first_name", "Last Name": "last_name"}


def test_user_corrections() -> None:
    mapping = propose_mapping(["Telefono", "Cellulare", "Note interne"])
    fixed = mapping.with_target("Cellulare", "phone")
    assert fixed.as_dict() == {"Telefono": None, "Cellulare": "phone", "Note interne": None}
    fixed = fixed.with_target("Note interne", IGNORE)
    assert fixed.target_of("Note interne") == IGNORE
    with pytest.raises(ValidationError):
        fixed.with_target("Telefono", "no_such_field")
    with pytest.raises(ValidationError):
        fixed.with_target("Colonna che non c'è", "email")
    with pytest.raises(ValidationError):
        ColumnMapping((("A", "email"), ("B", "email")))
    with pytest.raises(ValidationError):
        ColumnMapping((("A", FULL_NAME), ("B", "first_name")))


def test_presets_are_offered_for_files_with_the_same_headers() -> None:
    headers = ["Nome", "Cognome", "Email", "Codice"]
    saved = propose_mapping(headers).with_target("Codice", "notes").as_dict()
    same_file_other_order = ["Email", "codice", "Cognome", "Nome"]
    assert mapping_signature(headers) == mapping_signature(same_file_other_order)
    assert mapping_signature(headers) != mapping_signature([*headers, "Telefono"])
    applied = apply_preset(["Nome", "Cognome", "Email", "Codice", "Telefono"], saved)
    assert applied.as_dict() == {
        "Nome": "first_name",
        "Cognome": "last_name",
        "Email": "email",
        "Codice": "notes",
        "Telefono": "phone",
    }
