"""The shapes of personal data other than names: contacts, payment, network and id numbers,
street addresses. Each detector yields spans; `validate` functions separate a checked number
(Luhn, mod 97) from one that only has the shape, so screening can block on the first while
redaction masks both.
"""

from __future__ import annotations

import ipaddress
import re

TLD = r"(?:com|org|net|edu|gov|io|co|uk|fr|de|es|it|nl|be|ch|ru|cn|jp|in|br|info|me|ai|dev)"
_AT_MARK = r"(?:\s*@\s*|\s*[(\[{<]\s*at\s*[)\]}>]\s*)"
_AT_WORD = r"\s+at\s+"
_DOT_WORD = r"(?:\s*[(\[{<]\s*dot\s*[)\]}>]\s*|\s+dot\s+)"
_DOT = rf"(?:\s*\.\s*|{_DOT_WORD})"
_DOT_TIGHT = rf"(?:\.|{_DOT_WORD})"  # after a bare "at": "noon. In" is a sentence, not a domain
_LABEL = r"[A-Za-z0-9-]+"
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# "alice (at) example (dot) com", "alice @ example . com", "bob (at) example.com",
# "alice at example dot com", "bob at example.com"
EMAIL_OBFUSCATED = re.compile(
    rf"\b[A-Za-z0-9._%+-]+(?:{_AT_MARK}{_LABEL}(?:{_DOT}{_LABEL})*{_DOT}"
    rf"|{_AT_WORD}{_LABEL}(?:{_DOT_TIGHT}{_LABEL})*{_DOT_TIGHT}){TLD}\b",
    re.IGNORECASE,
)
# Every obfuscated address holds "@", "at" as a word or in brackets: the detector's cue.
EMAIL_CUE = re.compile(r"@|\bat\b", re.IGNORECASE)
UUID = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")
IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.]*\d)")
IPV6 = re.compile(r"(?<![0-9A-Za-z:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![0-9A-Za-z:])")
CARD = re.compile(r"(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])")
CARD_MIN_DIGITS = 13
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b")
# Digit groups with separators, an optional country code or trunk prefix.
PHONE = re.compile(
    r"(?<![\w+.\-/])(?:\+|00)?\d{1,4}(?:[ .\-/]?\(\d{1,4}\))?(?:[ .\-/]?\d{1,5}){1,6}(?![\w\-/]|\.\d)"
    r"|(?<![\w+])\(\d{2,4}\)[ .\-]?\d{3,4}[ .\-]?\d{3,4}(?![\w])"
)
PHONE_MIN_DIGITS = 9
PHONE_CONTEXT = re.compile(
    r"(?i:phone|call|tel|mobile|cell|whatsapp|text me|ring|fax|número|numero|téléphone|telefon|номер)"
)
# (the fewest digits a match holds, pattern): a text with fewer digits is not searched.
NATIONAL_IDS = [
    (9, re.compile(r"\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b")),  # US SSN
    (6, re.compile(r"\b[A-CEGHJ-PR-TW-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b")),  # UK NINO
    # FR NIR
    (12, re.compile(r"\b[12] ?\d{2} ?(?:0[1-9]|1[0-2]) ?(?:\d{2}|2A|2B) ?\d{3} ?\d{3}(?: ?\d{2})?\b")),
    (7, re.compile(r"\b[XYZ]?\d{7,8}-?[A-HJ-NP-TV-Z]\b")),  # ES DNI / NIE
    (7, re.compile(r"\b[A-Z]{6}\d{2}[A-EHLMPR-T]\d{2}[A-Z]\d{3}[A-Z]\b")),  # IT codice fiscale
    (11, re.compile(r"\b\d{3}\.\d{3}\.\d{3}-\d{2}\b")),  # BR CPF
    (12, re.compile(r"\b[2-9]\d{3} \d{4} \d{4}\b")),  # IN Aadhaar
    (17, re.compile(r"\b\d{17}[\dX]\b")),  # CN resident id
]


def _alternatives(words: tuple[str, ...]) -> str:
    return "|".join(map(re.escape, words))


def _cues(words: tuple[str, ...]) -> tuple[str, ...]:
    """The fewest of `words` that every one of them contains ("St" for "Street" and "St"): a
    text holding none of them cannot match a pattern that needs one of `words`."""
    return tuple(w for w in words if not any(other != w and other in w for other in words))


_STREET_EN = ("Street", "St", "Avenue", "Ave", "Road", "Rd", "Boulevard", "Blvd", "Lane", "Ln",
              "Drive", "Dr", "Court", "Ct", "Way", "Place", "Pl", "Terrace", "Square", "Sq",
              "Crescent", "Close", "Gardens", "Parkway", "Highway")
_STREET_DE = ("straße", "strasse", "str.", "weg", "platz", "allee", "gasse", "damm", "ring")
_STREET_SOUTH = ("Calle", "C/", "Avenida", "Avda.", "Avda", "Plaza", "Paseo", "Rua", "Via", "Viale",
                 "Piazza", "Corso")
# (cue words, pattern): a pattern runs only on text holding one of its cue words (case as
# written; None: always, as the French words match in any case).
STREETS: list[tuple[tuple[str, ...] | None, re.Pattern[str]]] = [
    (_cues(_STREET_EN), re.compile(
        rf"\b\d{{1,5}}[A-Za-z]?,?\s+(?:[A-Z][\w'’-]*\s+){{1,4}}(?:{_alternatives(_STREET_EN)})\b\.?")),
    (None, re.compile(
        r"\b\d{1,4}(?:\s?(?:bis|ter))?,?\s+(?i:rue|avenue|boulevard|bd|place|chemin|allée"
        r"|impasse|quai|cours|route)\s+(?:(?:de|du|des|la|le|l['’])\s*)*[\wÀ-ÿ'’-]+"
        r"(?:\s+[A-ZÀ-Ý][\wÀ-ÿ'’-]+)*")),
    (_cues(_STREET_DE), re.compile(
        rf"\b[A-ZÄÖÜ][\wäöüß-]*(?:{_alternatives(_STREET_DE)})\s+\d{{1,4}}\s?[a-z]?\b")),
    (_cues(_STREET_SOUTH), re.compile(
        rf"\b(?:{_alternatives(_STREET_SOUTH)})\s+"
        r"(?:(?:de|del|la|dos|das|do|da|dei|delle|di)\s+)*[A-ZÀ-Ý][\wÀ-ÿ'’-]+"
        r"(?:\s+[A-ZÀ-Ý][\wÀ-ÿ'’-]+)*,?\s+\d{1,4}\b")),
]
ISO_DATE = re.compile(r"(?:19|20)\d\d[-/.](?:0?[1-9]|1[0-2])[-/.]\d\d")


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def iban_valid(candidate: str) -> bool:
    compact = candidate.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34 or not compact[2:4].isdigit():
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def is_ipv4(text: str) -> bool:
    return all(int(part) <= 255 for part in text.split("."))


def is_ipv6(text: str) -> bool:
    if sum(1 for group in text.split(":") if group) < 3:
        return False
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def card_kind(text: str) -> str | None:
    """"valid" (passes Luhn), "shaped" (16 digits grouped like a card, or a card's length and
    leading digit: masked anyway, a mistyped card is still a card), or None."""
    digits = re.sub(r"\D", "", text)
    if not CARD_MIN_DIGITS <= len(digits) <= 19:
        return None
    if luhn_valid(digits):
        return "valid"
    grouped = re.fullmatch(r"\d{4}([ -])\d{4}\1\d{4}\1\d{4}(?:\1\d{1,3})?", text) is not None
    return "shaped" if grouped or (len(digits) == 16 and digits[0] in "3456") else None


def is_phone(text: str, before: str) -> bool:
    """A digit run reads as a phone number by its prefix (+, 00, trunk 0), the North-American
    shape, or a phone word just before it; bare lists of numbers do not."""
    digits = re.sub(r"\D", "", text)
    if not PHONE_MIN_DIGITS <= len(digits) <= 15 or ISO_DATE.match(text):
        return False
    groups = re.findall(r"\d+", text)
    if text.startswith(("+", "00")):
        return True
    if re.fullmatch(r"\(?\d{3}\)?[ .-]?\d{3}[ .-]\d{4}", text):
        return True
    if text.startswith("0") and len(groups) > 1 and 2 <= len(groups[0]) <= 5 and all(
        len(g) >= 2 for g in groups[1:]
    ):
        return True
    if text.startswith("(") and len(groups) >= 3:
        return True
    return bool(PHONE_CONTEXT.search(before[-40:])) and all(len(g) >= 2 for g in groups[1:])
