"""Which lead field each column of a file fills: proposed from the headers, corrected by the user.

Headers are matched after folding (case, accents, punctuation and spacing ignored), against the field's
own name and label (always a match) and synonyms in English, Italian and the upper-case style of CRM
exports (FIRST_NAME, EMAILADDRESS, LEADSOURCE...). A column may also be the full name (split into first
and last name), a custom field (target None: kept as text under its header), or ignored.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from leaddesk.domain.errors import ValidationError
from leaddesk.domain.fields import ALL_FIELDS, FIELDS_BY_NAME

#: Target for a column holding "first last" (or "Last, First") in one cell.
FULL_NAME = "full_name"
#: Target for a column the user chose to leave out of the import.
IGNORE = "ignore"

_SPECIAL_TARGETS = frozenset({FULL_NAME, IGNORE})

#: Synonyms per target, "|"-separated, in any case/spacing/punctuation (they are folded like headers).
_SYNONYMS: dict[str, str] = {
    "first_name": (
        "first name | firstname | first | given name | forename | name first | nome | nome proprio | "
        "nome di battesimo | prenom | prénom | vorname | nombre"
    ),
    "last_name": (
        "last name | lastname | surname | family name | second name | name last | cognome | "
        "nom de famille | nachname | apellido | apellidos"
    ),
    FULL_NAME: (
        "full name | fullname | name | contact | contact name | contact person | lead name | "
        "person | nome completo | nome e cognome | cognome e nome | nominativo | referente | "
        "contatto | nome contatto | persona di riferimento"
    ),
    "email": (
        "email | e-mail | e mail | mail | email address | e-mail address | emailaddress | email1 | "
        "work email | business email | primary email | indirizzo email | indirizzo e-mail | "
        "indirizzo mail | posta elettronica | indirizzo di posta elettronica | courriel"
    ),
    "phone": (
        "phone | phone number | telephone | telephone number | tel | tel. | mobile | mobile phone | "
        "mobilephone | cell | cellphone | cell phone | work phone | business phone | primary phone | "
        "contact number | telefono | numero di telefono | numero telefono | cellulare | cell. | "
        "telefono cellulare | recapito | recapito telefonico | num. telefono | tel. cellulare"
    ),
    "job_title": (
        "job title | jobtitle | title | job | role | position | job role | job position | "
        "designation | ruolo | qualifica | posizione | mansione | carica | funzione | "
        "titolo professionale | professione"
    ),
    "company": (
        "company | company name | companyname | organization | organisation | organization name | "
        "account | account name | accountname | business | business name | employer | firm | "
        "azienda | nome azienda | ragione sociale | società | societa | ditta | impresa | ente | "
        "organizzazione | cliente"
    ),
    "company_size": (
        "company size | size | employees | number of employees | numberofemployees | "
        "no of employees | employee count | headcount | staff | dipendenti | numero dipendenti | "
        "n dipendenti | n. dipendenti | num dipendenti | dimensione azienda | addetti | "
        "numero addetti"
    ),
    "industry": (
        "industry | sector | vertical | industry type | settore | settore merceologico | comparto | "
        "industria | mercato | ateco"
    ),
    "country": (
        "country | country name | country code | nation | billing country | billingcountry | "
        "mailing country | mailingcountry | country/region | paese | nazione | stato estero | "
        "nazionalità"
    ),
    "province": (
        "province | state | state/province | region/state | county | billing state | billingstate | "
        "mailing state | mailingstate | provincia | prov | prov. | sigla provincia"
    ),
    "city": (
        "city | town | locality | billing city | billingcity | mailing city | mailingcity | città | "
        "citta | comune | località | localita | paese di residenza"
    ),
    "source": (
        "source | lead source | leadsource | origin | channel | fonte | fonte lead | origine | "
        "provenienza | canale | canale di acquisizione"
    ),
    "consent": (
        "consent | marketing consent | consent to contact | opt-in | optin | opt in | gdpr | "
        "gdpr consent | privacy | consenso | consenso privacy | consenso marketing | "
        "consenso al trattamento | consenso trattamento dati | autorizzazione privacy"
    ),
    "notes": (
        "notes | note | comments | comment | description | remarks | commenti | commento | "
        "descrizione | osservazioni | annotazioni"
    ),
    "campaign": (
        "campaign | campaign name | campaignname | utm campaign | campagna | nome campagna | iniziativa"
    ),
    "stage": (
        "stage | lead stage | status | lead status | leadstatus | stagename | stage name | "
        "pipeline stage | fase | stato lead | stato del lead | fase lead | stato trattativa"
    ),
    "created_at": (
        "created | created at | created date | createddate | creation date | date created | "
        "date added | data creazione | data di creazione | data inserimento | data acquisizione | "
        "data contatto iniziale | data lead"
    ),
    "mql_at": (
        "mql at | mql date | mql | qualified at | qualified date | date qualified | data mql | "
        "data qualifica | data qualificazione | qualificato il"
    ),
    "handed_off_at": (
        "handed off at | handoff date | handoff at | hand-off date | handed to sales | "
        "data consegna a sales | data consegna | data passaggio a sales | data passaggio | "
        "consegnato a sales il | data handoff | data assegnazione"
    ),
    "accepted_at": (
        "accepted at | accepted date | acceptance date | data accettazione | accettato il | "
        "data presa in carico"
    ),
    "rejected_at": (
        "rejected at | rejected date | rejection date | data rifiuto | rifiutato il | data scarto | "
        "data respinto"
    ),
    "first_contact_at": (
        "first contact at | first contact | first contact date | first contacted | "
        "date first contact | data primo contatto | primo contatto | data del primo contatto"
    ),
    "closed_at": (
        "closed at | close date | closedate | closing date | closed date | date closed | "
        "data chiusura | data di chiusura | chiuso il"
    ),
    "marketing_owner": (
        "marketing owner | marketer | responsabile marketing | referente marketing | owner marketing"
    ),
    "sales_owner": (
        "sales owner | owner | lead owner | account owner | sales rep | salesperson | sales person | "
        "assigned to | commerciale | venditore | agente | responsabile commerciale | "
        "referente commerciale | assegnato a | owner name"
    ),
    "outcome": "outcome | result | esito | risultato | esito finale",
    "lost_reason": (
        "lost reason | loss reason | reason lost | closed lost reason | motivo perdita | "
        "motivo della perdita | motivo perso | causa perdita"
    ),
    "reject_reason": (
        "reject reason | rejection reason | reason rejected | motivo rifiuto | motivo scarto | "
        "motivo del rifiuto"
    ),
    "value": (
        "value | amount | deal value | expected value | opportunity value | deal amount | "
        "lead value | valore | importo | valore opportunità | valore trattativa | valore atteso"
    ),
}

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def fold_header(text: str) -> str:
    """Lower case, accents removed, everything but letters and digits dropped: 'E-mail ' -> 'email'."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_ALNUM.sub("", plain.casefold())


def _build_index() -> tuple[dict[str, str], dict[str, str]]:
    exact: dict[str, str] = {}
    for f in ALL_FIELDS:
        exact[fold_header(f.name)] = f.name
        exact[fold_header(f.label)] = f.name
    synonyms: dict[str, str] = {}
    for target, words in _SYNONYMS.items():
        for word in words.split("|"):
            synonyms.setdefault(fold_header(word), target)
    return exact, synonyms


_EXACT, _SYNONYM_INDEX = _build_index()

#: Words people add to an email or phone header ("E-mail aziendale", "Telefono ufficio", "Email 2"): a
#: header that is such a synonym with one of them before or after still maps, a little weaker. (Not
#: "direct": "Direct mail" is a channel, not an address.)
_QUALIFIERS = tuple(
    fold_header(word)
    for word in (
        "aziendale", "personale", "privata", "privato", "lavoro", "ufficio", "principale", "secondaria",
        "secondario", "fisso", "casa", "work", "personal", "business", "office", "private", "primary",
        "secondary", "home", "main", "other", "1", "2", "3",
    )
)  # fmt: skip
_QUALIFIED_TARGETS = frozenset({"email", "phone"})


def _qualified(key: str) -> str | None:
    for qualifier in _QUALIFIERS:
        for rest in (key.removesuffix(qualifier), key.removeprefix(qualifier)):
            if rest != key and _SYNONYM_INDEX.get(rest) in _QUALIFIED_TARGETS:
                return _SYNONYM_INDEX[rest]
    return None


def match_target(header: str) -> tuple[str, int] | None:
    """(target, strength) for a header: 3 for a field's own name or label, 2 for a synonym, 1 for an email
    or phone synonym with a qualifier ("E-mail aziendale"), else None."""
    key = fold_header(header)
    if not key:
        return None
    if key in _EXACT:
        return _EXACT[key], 3
    if key in _SYNONYM_INDEX:
        return _SYNONYM_INDEX[key], 2
    qualified = _qualified(key)
    return (qualified, 1) if qualified is not None else None


def _check_target(target: str | None) -> None:
    if target is not None and target not in FIELDS_BY_NAME and target not in _SPECIAL_TARGETS:
        raise ValidationError(f"Unknown field {target!r} in the column mapping.")


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    """Header -> target for every column of a table, in column order.

    A target is a field name (see `leaddesk.domain.fields`), `FULL_NAME`, `IGNORE`, or None for a custom
    field kept under its header. Each field is filled by at most one column.
    """

    assignments: tuple[tuple[str, str | None], ...]

    def __post_init__(self) -> None:
        seen: dict[str, str] = {}
        headers: set[str] = set()
        for header, target in self.assignments:
            if header in headers:
                raise ValidationError(f"Column {header!r} appears twice in the mapping.")
            headers.add(header)
            _check_target(target)
            if target is None or target == IGNORE:
                continue
            if target in seen:
                label = FIELDS_BY_NAME[target].label if target in FIELDS_BY_NAME else "Full name"
                raise ValidationError(f"Columns {seen[target]!r} and {header!r} both fill {label!r}.")
            seen[target] = header
        if FULL_NAME in seen and ("first_name" in seen or "last_name" in seen):
            raise ValidationError(
                "A full-name column cannot be combined with first-name or last-name columns."
            )

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(h for h, _ in self.assignments)

    def target_of(self, header: str) -> str | None:
        for h, target in self.assignments:
            if h == header:
                return target
        raise KeyError(header)

    def column_for(self, target: str) -> str | None:
        """The header of the column that fills `target`, or None."""
        return next((h for h, t in self.assignments if t == target), None)

    def as_dict(self) -> dict[str, str | None]:
        """Header -> target, e.g. to save as a named preset."""
        return dict(self.assignments)

    def with_target(self, header: str, target: str | None) -> ColumnMapping:
        """A copy with `header` mapped to `target`; a column that filled `target` before becomes custom."""
        if header not in self.headers:
            raise ValidationError(f"There is no column {header!r}.")
        _check_target(target)
        out = []
        for h, t in self.assignments:
            if h == header:
                out.append((h, target))
            elif (
                (target not in (None, IGNORE) and t == target)
                or (target == FULL_NAME and t in ("first_name", "last_name"))
                or (target in ("first_name", "last_name") and t == FULL_NAME)
            ):
                out.append((h, None))
            else:
                out.append((h, t))
        return ColumnMapping(tuple(out))

    @property
    def signature(self) -> str:
        return mapping_signature(self.headers)


def propose_mapping(headers: Sequence[str]) -> ColumnMapping:
    """The automatic mapping: each field goes to its best-matching column (leftmost on ties)."""
    candidates: list[tuple[int, int, str, str]] = []  # (-strength, position, target, header)
    for position, header in enumerate(headers):
        match = match_target(header)
        if match is not None:
            target, strength = match
            candidates.append((-strength, position, target, header))
    chosen: dict[str, str] = {}
    taken: set[str] = set()
    for _neg, _pos, target, header in sorted(candidates):
        if target in taken or header in chosen:
            continue
        if target == FULL_NAME and ("first_name" in taken or "last_name" in taken):
            continue
        if target in ("first_name", "last_name") and FULL_NAME in taken:
            # A real first/last-name column beats a generic "Name" column.
            full = next(h for h, t in chosen.items() if t == FULL_NAME)
            del chosen[full]
            taken.discard(FULL_NAME)
        chosen[header] = target
        taken.add(target)
    return ColumnMapping(tuple((h, chosen.get(h)) for h in headers))


def apply_preset(headers: Sequence[str], preset: Mapping[str, str | None]) -> ColumnMapping:
    """A saved mapping applied to a file's headers; headers the preset does not know are proposed anew."""
    proposed = propose_mapping(headers)
    mapping = ColumnMapping(tuple((h, None) for h in headers))
    known = {
        h: t
        for h, t in preset.items()
        if h in mapping.headers and (t is None or t in FIELDS_BY_NAME or t in _SPECIAL_TARGETS)
    }
    for header, target in known.items():
        mapping = mapping.with_target(header, target)
    for header, target in proposed.assignments:
        if header in known or target is None:
            continue
        if mapping.column_for(target) is None and not (
            target == FULL_NAME and (mapping.column_for("first_name") or mapping.column_for("last_name"))
        ):
            mapping = mapping.with_target(header, target)
    return mapping


def mapping_signature(headers: Iterable[str]) -> str:
    """A key for 'files with the same headers' (order, case, accents and punctuation ignored)."""
    keys = sorted(fold_header(h) for h in headers if fold_header(h))
    return hashlib.sha256("\x1f".join(keys).encode("utf-8")).hexdigest()[:32]
