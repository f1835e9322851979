"""Who a lead is: the rule a lead must satisfy, and the keys that find the same person twice."""

from __future__ import annotations

import unicodedata


def fold(text: str | None) -> str:
    """Lower case, accents removed, white space collapsed: for comparing names typed differently."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.casefold().split())


def name_company_key(first_name: str | None, last_name: str | None, company: str | None) -> str | None:
    """The duplicate key for leads without email or phone: None unless both a name and a company exist."""
    name = fold(" ".join(p for p in (first_name, last_name) if p))
    firm = fold(company)
    if not name or not firm:
        return None
    return f"{name}|{firm}"


def missing_identity(
    email: str | None,
    phone: str | None,
    first_name: str | None,
    last_name: str | None,
    company: str | None,
) -> str | None:
    """Why a lead cannot be stored (None if it can): it needs an email, a phone, or a name + company."""
    if email or phone:
        return None
    if (first_name or last_name) and company:
        return None
    return "needs an email, a phone, or a name with a company"
