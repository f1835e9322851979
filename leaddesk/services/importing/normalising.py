"""One cell to one clean value: text, email, phone, date-time, number, money, yes/no, country, stage, name.

Each normaliser takes a raw cell (as read: str, int, float, bool or a datetime type; '' for empty)
and returns the clean value, or raises `CellError` with a message that names what is wrong. None of
them touch the database or Qt; all are pure and cheap enough to run a million times.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from leaddesk.domain.enums import Stage
from leaddesk.domain.errors import ValidationError
from leaddesk.domain.money import cents
from leaddesk.services.importing.column_mapping import fold_header
from leaddesk.services.importing.countries import country_code
from leaddesk.services.importing.row_store import CellValue


class CellError(ValueError):
    """A cell whose value cannot be used; the message says why, for the row's error list."""


# --- text ---------------------------------------------------------------------------------------------


def clean_text(text: str) -> str:
    """Trimmed and in Unicode NFC (so 'è' typed two ways compares equal)."""
    text = text.strip()
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text


def _format_duration(value: dt.timedelta) -> str:
    seconds = int(value.total_seconds())
    sign = "-" if seconds < 0 else ""
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours}:{minutes:02d}:{secs:02d}"


def cell_text(value: CellValue) -> str:
    """The cell as the user sees it, as text: numbers typed as text stay as typed ('007', '+39...');
    whole numbers read as floats lose the '.0' ('12', not '12.0'); dates are ISO ('2024-03-15')."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return _format_duration(value)
    return clean_text(str(value))


def is_blank(value: CellValue) -> bool:
    return isinstance(value, str) and not value.strip()


# --- email --------------------------------------------------------------------------------------------

#: Common addresses that email-validator accepts unchanged (checked by a property test); anything else
#: (quoted parts, international names, rare characters, reserved domains) goes to email-validator itself.
_SIMPLE_EMAIL = re.compile(
    r"^(?=.{6,254}$)[a-z0-9_%+'-]+(?:\.[a-z0-9_%+'-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)
_SPECIAL_USE_TLDS = frozenset({"arpa", "invalid", "local", "localhost", "onion", "test"})
_ANGLE = re.compile(r"<([^<>]+)>")


def normalise_email(value: CellValue) -> str:
    """Lower case and syntax-checked with email-validator (no DNS look-up)."""
    text = cell_text(value)
    match = _ANGLE.search(text)
    if match:  # 'Mario Rossi <mario@example.it>'
        text = match.group(1).strip()
    if text.lower().startswith("mailto:"):
        text = text[7:].strip()
    lowered = text.lower()
    local, _, domain = lowered.rpartition("@")
    if (
        _SIMPLE_EMAIL.match(lowered)
        and len(local) <= 64
        and "--" not in domain
        and domain.rsplit(".", 1)[-1] not in _SPECIAL_USE_TLDS
    ):
        return lowered
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise CellError(f"{text!r} is not a valid email address: {exc}") from None
    return str(result.normalized).lower()


# --- phone --------------------------------------------------------------------------------------------

_PHONE_JUNK = re.compile(r"^(?:tel|phone|telefono|cell|mobile|cellulare)[.:]?\s*", re.IGNORECASE)
#: ASCII digits with the usual separators, optionally after '+' or '(': what the fast path takes.
_PLAIN_PHONE = re.compile(r"^\+?\(?[0-9][0-9 .()\-]*[0-9]$")
_PHONE_SEPARATORS = str.maketrans("", "", " .()-")


@functools.lru_cache(maxsize=512)
def _without_national_prefix(region: str) -> int | None:
    """The calling code of `region` when its numbers carry no national prefix to strip (Italy, Spain...)."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None or metadata.national_prefix_for_parsing is not None:
        return None
    return int(metadata.country_code) if metadata.country_code is not None else None


@functools.lru_cache(maxsize=512)
def _international_prefix(region: str) -> re.Pattern[str] | None:
    """How numbers dialled from `region` to abroad start ('00' in Italy)."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    prefix = metadata.international_prefix if metadata is not None else None
    return re.compile(prefix) if prefix else None


@functools.lru_cache(maxsize=512)
def _plain_calling_code(code: int) -> bool:
    region = phonenumbers.region_code_for_country_code(code)
    return region != phonenumbers.UNKNOWN_REGION and _without_national_prefix(region) == code


def _fast_parse(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    """What `phonenumbers.parse` returns, for the common shapes where that is plain arithmetic:
    ASCII digits and separators, in a country without a national prefix (Italy, Spain...). None means
    'ask phonenumbers' (a property test checks the two agree)."""
    if not _PLAIN_PHONE.match(text):
        return None
    digits = text.translate(_PHONE_SEPARATORS)
    if len(digits.lstrip("+")) < 3:
        return None  # phonenumbers' own rules for very short strings
    if digits.startswith("+"):
        digits = digits[1:]
        if digits.startswith("0"):
            return None
        length = next(
            (n for n in (1, 2, 3) if int(digits[:n]) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE), 0
        )
        if not length:
            return None
        code = int(digits[:length])
        if not _plain_calling_code(code):
            return None
        national = digits[length:]
    else:
        default = _without_national_prefix(region)
        if default is None or digits.startswith(str(default)):
            return None  # phonenumbers may read the leading digits as a country code
        idd = _international_prefix(region)
        if idd is None or idd.match(digits):
            return None  # a number dialled abroad: phonenumbers reads the country code after the prefix
        code, national = default, digits
    if not 2 <= len(national) <= 17:
        return None
    number = phonenumbers.PhoneNumber(country_code=code, national_number=int(national))
    if len(national) > 1 and national[0] == "0":
        number.italian_leading_zero = True
        zeros = 1
        while zeros < len(national) - 1 and national[zeros] == "0":
            zeros += 1
        if zeros != 1:
            number.number_of_leading_zeros = zeros
    return number


def normalise_phone(value: CellValue, region: str, *, fast: bool = True) -> str:
    """E.164 ('+393331234567'); numbers without a country code are read as numbers of `region`."""
    text = _PHONE_JUNK.sub("", cell_text(value))
    if text.startswith("00"):
        text = "+" + text[2:]
    number = _fast_parse(text, region) if fast else None
    if number is None:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            raise CellError(f"{text!r} is not a phone number") from None
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason != phonenumbers.ValidationResult.IS_POSSIBLE:
        what = {
            phonenumbers.ValidationResult.TOO_SHORT: "has too few digits",
            phonenumbers.ValidationResult.TOO_LONG: "has too many digits",
            phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: "has an unknown country code",
            phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY: "lacks its area code",
        }.get(reason, "is not a possible number")
        raise CellError(f"{text!r} {what}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# --- dates --------------------------------------------------------------------------------------------

_EXCEL_1900 = dt.datetime(1899, 12, 30)
_EXCEL_1904 = dt.datetime(1904, 1, 1)
_MAX_SERIAL = 2_958_465  # 9999-12-31

_ISO = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?"
    r"\s*(Z)?\s*(?:([+-])(\d{2}):?(\d{2})?)?$",
    re.IGNORECASE,
)
_COMPACT = re.compile(r"^((?:19|20)\d{2})(\d{2})(\d{2})$")
_NUMERIC = re.compile(
    r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})"
    r"(?:[ T,]+(\d{1,2})[:.](\d{2})(?:[:.](\d{2})(?:[.,]\d+)?)?\s*([ap]\.?m\.?)?)?$",
    re.IGNORECASE,
)
_MONTHS = {
    **{
        m: i
        for i, m in enumerate(
            ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
        )
    },
    **{
        m: i
        for i, m in enumerate(
            ("gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic"), 1
        )
    },
    "sept": 9,
}
_TIME_TAIL = r"(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
_WORDY_DMY = re.compile(
    r"^(\d{1,2})[\s\-/.]+([a-zà-ü]{3,12})\.?[\s\-/.,]+(\d{4}|\d{2})" + _TIME_TAIL, re.IGNORECASE
)
_WORDY_MDY = re.compile(
    r"^([a-zà-ü]{3,12})\.?\s+(\d{1,2}),?\s+(\d{4})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$", re.IGNORECASE
)


def _month(word: str) -> int:
    key = fold_header(word)[:4]
    if key in _MONTHS:
        return _MONTHS[key]
    key = key[:3]
    if key in _MONTHS:
        return _MONTHS[key]
    raise CellError(f"{word!r} is not a month")


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:  # Excel's rule: 00-29 are 2000-2029, 30-99 are 1930-1999
        year += 2000 if year < 30 else 1900
    return year


def excel_serial(serial: float, date_1904: bool) -> dt.datetime:
    """The naive date-time an Excel serial number stands for, in the 1900 or 1904 date system."""
    if not 0 < serial <= _MAX_SERIAL:
        raise CellError(f"{serial:g} is not a date (out of Excel's range)")
    if serial < 1:
        raise CellError(f"{serial:g} is a time without a date")
    if date_1904:
        base, days = _EXCEL_1904, serial
    elif serial < 61:
        if int(serial) == 60:
            raise CellError("serial 60 is 29 February 1900, a date that does not exist")
        base, days = _EXCEL_1900, serial + 1  # before Excel's fictitious 1900-02-29
    else:
        base, days = _EXCEL_1900, serial
    moment = base + dt.timedelta(days=days)
    return moment.replace(microsecond=0) + dt.timedelta(seconds=round(moment.microsecond / 1e6))


def _aware(moment: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(dt.UTC)


def _parse_date_text(text: str, day_first: bool, date_1904: bool) -> dt.datetime:
    m = _ISO.match(text)
    if m:
        y, mo, d, hh, mm, ss, frac, _z, sign, oh, om = m.groups()
        micro = int((frac or "0")[:6].ljust(6, "0"))
        moment = dt.datetime(int(y), int(mo), int(d), int(hh or 0), int(mm or 0), int(ss or 0), micro)
        if sign:
            offset = dt.timedelta(hours=int(oh), minutes=int(om or 0))
            return moment.replace(tzinfo=dt.timezone(offset if sign == "+" else -offset))
        if _z:
            return moment.replace(tzinfo=dt.UTC)
        return moment
    m = _NUMERIC.match(text)
    if m:
        a, b, y, hh, mm, ss, ampm = m.groups()
        first, second = int(a), int(b)
        if first > 12:
            day, month = first, second
        elif second > 12:
            month, day = first, second
        elif day_first:
            day, month = first, second
        else:
            month, day = first, second
        hour = int(hh or 0)
        if ampm:
            pm = ampm.lower().startswith("p")
            hour = hour % 12 + (12 if pm else 0)
        return dt.datetime(_year(y), month, day, hour, int(mm or 0), int(ss or 0))
    m = _COMPACT.match(text)
    if m:
        return dt.datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _WORDY_DMY.match(text)
    if m:
        d, word, y, hh, mm, ss = m.groups()
        return dt.datetime(_year(y), _month(word), int(d), int(hh or 0), int(mm or 0), int(ss or 0))
    m = _WORDY_MDY.match(text)
    if m:
        word, d, y, hh, mm, ss = m.groups()
        return dt.datetime(int(y), _month(word), int(d), int(hh or 0), int(mm or 0), int(ss or 0))
    if text.replace(".", "", 1).isdigit():
        return excel_serial(float(text), date_1904)
    raise CellError(f"{text!r} is not a date")


def normalise_datetime(value: CellValue, *, zone: ZoneInfo, day_first: bool, date_1904: bool) -> dt.datetime:
    """An aware UTC date-time. Naive values (and dates, taken at midnight) are in the team's `zone`.

    Accepts date/datetime cells, Excel serial numbers (1900 or 1904 system), ISO 8601 text with or
    without offset, dd/mm/yyyy and dd-mm-yy (or mm/dd when the day is over 12 or `day_first` is False),
    '9/15/2000 00:00:00', and month names in English or Italian ('15 mar 2024', 'March 15, 2024').
    """
    if isinstance(value, bool):
        raise CellError(f"{cell_text(value)} is not a date")
    if isinstance(value, dt.datetime):
        return _aware(value, zone)
    if isinstance(value, dt.date):
        return _aware(dt.datetime(value.year, value.month, value.day), zone)
    if isinstance(value, int | float):
        return _aware(excel_serial(float(value), date_1904), zone)
    if isinstance(value, dt.time):
        raise CellError(f"{value.isoformat()} is a time without a date")
    if isinstance(value, dt.timedelta):
        raise CellError(f"{cell_text(value)} is a duration, not a date")
    text = clean_text(value)
    try:
        return _aware(_parse_date_text(text, day_first, date_1904), zone)
    except (ValueError, OverflowError) as exc:
        if isinstance(exc, CellError):
            raise
        raise CellError(f"{text!r} is not a valid date ({exc})") from None


# --- numbers ------------------------------------------------------------------------------------------

_CURRENCY = re.compile(r"(?i)(?:€|eur(?:o|os)?|\$|usd|£|gbp|chf|fr\.)")
_NUMBER = re.compile(r"\d[\d.,'’ \u00a0\u202f]*")


def _plain_number(text: str, decimal_comma: bool) -> Decimal:
    """'1.234,56' / '1,234.56' / '1 234' / '1’000' -> Decimal. With both separators the last one is
    the decimal point; with one kind, repeated means thousands, and otherwise `decimal_comma` decides
    ('1,5' is 1.5 and '1.500' is 1500 in Italy)."""
    digits = re.sub(r"['’ \u00a0\u202f]", "", text)
    if "," in digits and "." in digits:
        decimal = "," if digits.rfind(",") > digits.rfind(".") else "."
    elif "," in digits:
        if digits.count(",") > 1 or (not decimal_comma and re.fullmatch(r"\d{1,3},\d{3}", digits)):
            decimal = ""
        else:
            decimal = ","
    elif "." in digits:
        if digits.count(".") > 1 or (decimal_comma and re.fullmatch(r"\d{1,3}\.\d{3}", digits)):
            decimal = ""
        else:
            decimal = "."
    else:
        decimal = ""
    if decimal:
        thousands = "." if decimal == "," else ","
        digits = digits.replace(thousands, "").replace(decimal, ".")
    else:
        digits = digits.replace(",", "").replace(".", "")
    try:
        return Decimal(digits)
    except InvalidOperation:
        raise CellError(f"{text!r} is not a number") from None


def normalise_money(value: CellValue, *, decimal_comma: bool) -> Decimal:
    """An amount as the lead stores it (`domain.money.cents`: to the cent, not negative)."""
    if isinstance(value, bool):
        raise CellError(f"{cell_text(value)} is not an amount")
    if isinstance(value, int):
        return _stored_amount(Decimal(value), value)
    if isinstance(value, float):
        amount = Decimal(repr(value)) if not value.is_integer() else Decimal(int(value))
        return _stored_amount(amount, value)
    text = cell_text(value)
    body = _CURRENCY.sub("", text).strip()
    negative = body.startswith(("-", "−")) or (body.startswith("(") and body.endswith(")"))
    match = _NUMBER.search(body)
    if not match or _NUMBER.sub("", body).strip(" -−()+") != "":
        raise CellError(f"{text!r} is not an amount")
    amount = _plain_number(match.group(0).strip(), decimal_comma)
    return _stored_amount(-amount if negative else amount, text)


def _stored_amount(amount: Decimal, shown: CellValue) -> Decimal:
    try:
        return cents(amount)
    except ValidationError as exc:
        raise CellError(f"{cell_text(shown)!r}: {str(exc).rstrip('.').lower()}") from None


_COUNT_WORDS = re.compile(
    r"(?i)\b(?:dipendenti|addetti|employees|staff|persone|people|circa|about|approx|ca|oltre|over|more than|"
    r"più di|piu di|fino a|up to|tra|between|and|e|to|a)\b"
)


def normalise_count(value: CellValue) -> int:
    """A whole number such as a company's employees: '1.200' -> 1200, '51-200' -> 51, '500+' -> 500."""
    if isinstance(value, bool):
        raise CellError(f"{cell_text(value)} is not a number")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise CellError(f"{value!r} is not a whole number")
        number = int(value)
    else:
        text = cell_text(value)
        rest = _COUNT_WORDS.sub(" ", text)
        found = re.findall(r"\d[\d.,'’ \u00a0]*", rest)
        if not found or len(found) > 2 or any(ch.isalpha() for ch in rest):
            raise CellError(f"{text!r} is not a number of employees")
        number = int(re.sub(r"\D", "", found[0]))  # separators in a head count are thousands
    if number < 0:
        raise CellError(f"{number} is negative")
    return number


_TRUE = frozenset(
    {
        "1",
        "true",
        "vero",
        "yes",
        "y",
        "si",
        "sì",
        "s",
        "x",
        "ok",
        "opt-in",
        "optin",
        "opted in",
        "granted",
        "accetto",
        "accettato",
        "acconsento",
        "consenso",
        "consenso dato",
        "✓",
        "✔",
        "v",
    }
)
_FALSE = frozenset(
    {
        "0",
        "false",
        "falso",
        "no",
        "n",
        "opt-out",
        "optout",
        "opted out",
        "denied",
        "negato",
        "rifiutato",
        "non acconsento",
        "nessun consenso",
        "-",
    }
)


def normalise_bool(value: CellValue) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if value in (0, 1):
            return bool(value)
        raise CellError(f"{cell_text(value)} is not yes or no")
    text = cell_text(value).casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError(f"{cell_text(value)!r} is not yes or no")


def normalise_country(value: CellValue) -> str:
    """The ISO alpha-2 code when the country is recognised, else the text as given."""
    text = cell_text(value)
    return country_code(text) or text


# --- stages -------------------------------------------------------------------------------------------

_STAGE_WORDS: dict[Stage, tuple[str, ...]] = {
    Stage.NEW: ("new", "nuovo", "nuova", "open", "aperto", "aperta", "da contattare", "lead"),
    Stage.MQL: (
        "mql",
        "marketing qualified",
        "marketing qualified lead",
        "qualified",
        "qualificato",
        "qualificata",
    ),
    Stage.HANDED_OFF: (
        "handed off",
        "handed_off",
        "handoff",
        "hand off",
        "consegnato",
        "consegnata",
        "consegnato a sales",
        "passato a sales",
        "passata a sales",
        "inviato a sales",
        "assigned",
        "assegnato",
        "assegnata",
    ),
    Stage.ACCEPTED: (
        "accepted",
        "accettato",
        "accettata",
        "preso in carico",
        "presa in carico",
        "in carico",
        "sql",
        "working",
    ),
    Stage.CONTACTED: ("contacted", "contattato", "contattata", "in contatto", "attempted to contact"),
    Stage.OPPORTUNITY: (
        "opportunity",
        "opportunità",
        "opportunita",
        "trattativa",
        "in trattativa",
        "negotiation",
        "proposal",
        "proposta",
        "offerta",
        "offerta inviata",
        "preventivo inviato",
    ),
    Stage.WON: (
        "won",
        "closed won",
        "closedwon",
        "vinto",
        "vinta",
        "chiuso vinto",
        "chiusa vinta",
        "converted",
        "convertito",
    ),
    Stage.LOST: ("lost", "closed lost", "closedlost", "perso", "persa", "chiuso perso", "chiusa persa"),
    Stage.REJECTED: (
        "rejected",
        "rifiutato",
        "rifiutata",
        "respinto",
        "respinta",
        "scartato",
        "scartata",
        "non accettato",
    ),
    Stage.DISQUALIFIED: (
        "disqualified",
        "squalificato",
        "squalificata",
        "non qualificato",
        "unqualified",
        "non in target",
        "junk",
    ),
}
_STAGES = {
    fold_header(word): stage for stage, words in _STAGE_WORDS.items() for word in (*words, stage.value)
}


@functools.lru_cache(maxsize=1024)
def _stage_of(text: str) -> Stage | None:
    return _STAGES.get(fold_header(text))


def parse_stage(value: CellValue) -> Stage:
    """A stage named in English or Italian ('Vinto' -> won, 'Closed Lost' -> lost)."""
    text = cell_text(value)
    stage = _stage_of(text)
    if stage is None:
        raise CellError(f"{text!r} is not a stage LeadDesk knows")
    return stage


def outcome_stage(value: CellValue) -> Stage | None:
    """won or lost when an outcome column says so ('Vinto', 'Perso', 'Closed Won'), else None."""
    stage = _stage_of(cell_text(value))
    return stage if stage in (Stage.WON, Stage.LOST) else None


# --- names --------------------------------------------------------------------------------------------

_TITLES = frozenset(
    fold_header(t)
    for t in (
        "dott",
        "dott.ssa",
        "dr",
        "dr.",
        "sig",
        "sig.",
        "sig.ra",
        "sigra",
        "sig.na",
        "mr",
        "mrs",
        "ms",
        "miss",
        "ing",
        "ing.",
        "avv",
        "avv.",
        "prof",
        "prof.",
        "prof.ssa",
        "arch",
        "arch.",
        "geom",
        "rag",
        "mx",
    )
)
_PARTICLES = frozenset(
    {
        "de",
        "di",
        "da",
        "del",
        "della",
        "dei",
        "degli",
        "dal",
        "dalla",
        "lo",
        "la",
        "le",
        "li",
        "van",
        "von",
        "der",
        "den",
        "ter",
        "mac",
        "st",
        "st.",
        "d'",
        "dell'",
    }
)


def split_full_name(value: CellValue) -> tuple[str | None, str | None]:
    """'Mario Rossi' -> ('Mario', 'Rossi'); 'Rossi, Mario' -> ('Mario', 'Rossi');
    'Anna De Luca' -> ('Anna', 'De Luca'); 'Dott. Mario Rossi' drops the title; one word is a first name."""
    text = " ".join(cell_text(value).split())
    if not text:
        return None, None
    if "," in text:
        last, _, first = text.partition(",")
        return (clean_text(first) or None), (clean_text(last) or None)
    words = text.split(" ")
    while len(words) > 1 and fold_header(words[0]) in _TITLES:
        words = words[1:]
    if len(words) == 1:
        return words[0], None
    start = len(words) - 1
    while start > 1 and words[start - 1].casefold() in _PARTICLES:
        start -= 1
    return " ".join(words[:start]), " ".join(words[start:])
