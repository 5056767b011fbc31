"""The shapes of personal data other than names: contacts, payment, network and id numbers,
street addresses. Each detector yields spans; `validate` functions separate a checked number
(Luhn, mod 97) from one that only has the shape, so screening can block on the first while
redaction masks both.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import NamedTuple

from moderation.pii.addresses import STREETS as STREETS  # the detector reads them from here
from moderation.pii.cues import Cue

TLD = (r"(?:com|org|net|edu|gov|io|co|uk|fr|de|es|it|nl|be|ch|ru|cn|jp|in|br|info|me|ai|dev|pl|se"
       r"|no|dk|at|pt|eu|ca|au|mx|ar|tr|id|vn|kr)")
# "at" and "dot" as written in several languages: bare between words, or in any bracket.
_AT_BARE = r"(?:at|ät|arroba|arobase|собака)"
_AT_ANY = rf"(?:@|{_AT_BARE}|chez|klammeraffe|chiocciola|małpa|malpa)"
_DOT_BARE = r"(?:dot|punkt|punto|ponto|point|punt|точка)"
_OPEN, _CLOSE = r"[(\[{<]", r"[)\]}>]"
_AT_MARK = rf"(?:\s*@\s*|\s*{_OPEN}\s*{_AT_ANY}\s*{_CLOSE}\s*)"
_AT_WORD = rf"\s+{_AT_BARE}\s+"
_DOT_WORD = rf"(?:\s*{_OPEN}\s*(?:\.|{_DOT_BARE})\s*{_CLOSE}\s*|\s+{_DOT_BARE}\s+)"
_DOT = rf"(?:\s*\.\s*|{_DOT_WORD})"
# After a bare "at": "noon. In" is a sentence, not a domain ("example . com" is spaced both sides).
_DOT_TIGHT = rf"(?:\.|\s+\.\s+|{_DOT_WORD})"
_LABEL = r"[A-Za-z0-9-]+"
# The local part whole: "john dot smith", "john [dot] smith".
_LOCAL = rf"[\w.%+-]+(?:{_DOT_WORD}[\w%+-]+)*"
EMAIL = re.compile(r"[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# "alice (at) example (dot) com", "alice @ example . com", "bob (at) example.com",
# "alice at example dot com", "bob at example.com", "john dot smith at gmail dot com",
# "ana (arroba) correo (punto) es", "max [ät] web [punkt] de"
EMAIL_OBFUSCATED = re.compile(
    rf"\b{_LOCAL}(?:{_AT_MARK}{_LABEL}(?:{_DOT}{_LABEL})*{_DOT}"
    rf"|{_AT_WORD}{_LABEL}(?:{_DOT_TIGHT}{_LABEL})*{_DOT_TIGHT}){TLD}\b",
    re.IGNORECASE,
)
# The detector's cue, searched in the lower-case text: every address holds "@", an "at" in
# brackets, or a bare "at" then a domain label and a dot ("at noon" is not one).
EMAIL_CUE = re.compile(
    rf"@|[(\[{{<]\s*{_AT_ANY}\s*[)\]}}>]"
    rf"|\s{_AT_BARE}\s+[\w-]+(?:\.|\s+\.\s|\s*[(\[{{<]|\s+{_DOT_BARE}\s)")
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
class IdPattern(NamedTuple):
    """An id number's shape. `least`: the fewest digits a match holds (a text with fewer is not
    searched); `hints`: lower-case words one of which every match contains (None: no word);
    `check`: its check digit, if it has one (a context word makes a number an id even with a
    wrong check digit; without one, `required` asks the check to pass). The id is group 1 when
    the pattern has groups (the context word is not masked)."""

    least: int
    pattern: re.Pattern[str]
    check: Callable[[str], bool] | None = None
    hints: tuple[str, ...] | None = None
    required: bool = False


# Between a context word and its number: "PESEL: ", "passport no. ", "NHS number is ".
_SEP = r"[\s:#=.\-]*(?:(?i:number|num|no|nr|n[°º]|is|was|id)\b[\s:#=.\-]*){0,3}"
_UPPER_IDS = ("DNI", "NIE", "NIF", "CNP", "NIK", "CURP", "RUT", "CUIL", "CUIT", "PAN", "NRIC",
              "TCKN", "PPSN", "NISS", "IRD", "INN", "SNILS", "ИНН", "СНИЛС", "AHV", "AVS", "SVNR")
_ID_WORDS = (r"national\s+id(?:entity)?(?:\s+card)?|id\s+card|identity\s+card"
             r"|(?:id|identity|identification)\s+(?:number|no\b|nr\b|#)|personal\s+(?:id|number)"
             r"|tc\s+kimlik|kimlik\s+(?:numarası|no\b)|emirates\s+id|codice\s+fiscale"
             r"|num[ée]ro\s+de\s+s[ée]cu\w*|sozialversicherungsnummer|ідентифікаційний\s+код")
NATIONAL_IDS: list[IdPattern] = [
    IdPattern(9, re.compile(r"\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b")),  # US SSN
    # UK NINO ("QQ" is the specimen prefix: harmless to mask)
    IdPattern(6, re.compile(r"\b(?:[A-CEGHJ-PR-TW-Z]{2}|QQ) ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b")),
    # FR NIR
    IdPattern(12, re.compile(
        r"\b[12] ?\d{2} ?(?:0[1-9]|1[0-2]) ?(?:\d{2}|2A|2B) ?\d{3} ?\d{3}(?: ?\d{2})?\b")),
    IdPattern(7, re.compile(r"\b[XYZ]?\d{7,8}-?[A-HJ-NP-TV-Z]\b")),  # ES DNI / NIE
    IdPattern(7, re.compile(r"\b[A-Z]{6}\d{2}[A-EHLMPR-T]\d{2}[A-Z]\d{3}[A-Z]\b")),  # IT fiscale
    IdPattern(11, re.compile(r"\b\d{3}\.\d{3}\.\d{3}-\d{2}\b")),  # BR CPF
    IdPattern(12, re.compile(r"\b[2-9]\d{3} \d{4} \d{4}\b")),  # IN Aadhaar
    IdPattern(17, re.compile(r"\b\d{17}[\dX]\b")),  # CN resident id
    # HK HKID "A123456(7)": its shape alone
    IdPattern(6, re.compile(r"\b[A-Z]{1,2}\d{6} ?\( ?[\dA] ?\)"), lambda s: hkid_valid(s)),
    # SE personnummer "850312-1234" without a context word: a date, then Luhn
    IdPattern(10, re.compile(
        r"\b(?:19|20)?\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]|6[1-9]|[78]\d|9[01])[-+]\d{4}\b"),
        lambda s: luhn_valid(re.sub(r"\D", "", s)[-10:]), None, True),
    # After a context word: AU TFN, PL PESEL, NL BSN, DE Steuer-ID, CA SIN, US SSN, UK NHS,
    # Nordic personal numbers, HKID, passports, driving licences, other national ids.
    IdPattern(8, re.compile(
        rf"(?i:\btfn|tax\s+file\s+(?:number|no\b)){_SEP}(\d{{3}}[ -]?\d{{3}}[ -]?\d{{2,3}})\b"),
        lambda s: tfn_valid(s), ("tfn", "tax")),
    IdPattern(11, re.compile(rf"(?i:\bpesel){_SEP}(\d{{11}})\b"), lambda s: pesel_valid(s),
              ("pesel",)),
    IdPattern(8, re.compile(
        rf"(?i:\b(?:bsn|burgerservicenummer|sofi-?nummer)){_SEP}"
        r"(\d{3,4}[ .-]?\d{2,3}[ .-]?\d{3})\b"),
        lambda s: bsn_valid(s), ("bsn", "burgerservice", "sofi")),
    IdPattern(11, re.compile(
        rf"(?:(?i:steuer[- ]?id\w*|steuer[- ]?identifikations\w*|identifikationsnummer|idnr"
        rf"|tax\s+id(?:entification)?(?:\s+number)?)|\bTIN\b){_SEP}"
        r"(\d{2} ?\d{3} ?\d{3} ?\d{3})\b"),
        lambda s: steuer_id_valid(s), ("steuer", "identifikations", "idnr", "tax", "tin")),
    IdPattern(9, re.compile(
        rf"(?:\bSIN\b|\bNAS\b|(?i:social\s+insurance|assurance\s+sociale)){_SEP}"
        r"(\d{3}[ -]?\d{3}[ -]?\d{3})\b"),
        lambda s: luhn_valid(re.sub(r"\D", "", s)), ("sin", "nas", "insurance", "assurance")),
    IdPattern(9, re.compile(
        rf"(?:\bSSN\b|(?i:social\s+security)){_SEP}(\d{{3}}[ -]?\d{{2}}[ -]?\d{{4}})\b"),
        None, ("ssn", "security")),
    IdPattern(10, re.compile(rf"(?i:\bnhs\b){_SEP}(\d{{3}}[ -]?\d{{3}}[ -]?\d{{4}})\b"),
              lambda s: nhs_valid(s), ("nhs",)),
    IdPattern(9, re.compile(
        rf"(?i:\b(?:personnummer|personnr|person-?nr|samordningsnummer|personal\s+identity\s+number"
        rf"|fødselsnummer|fodselsnummer|cpr(?:-nr|-nummer)?|henkilötunnus|hetu))\b{_SEP}"
        r"((?:19|20)?\d{6}[-+ ]?\d{4,5}|\d{6}[-+A]\d{3}[\dA-Z])\b"),
        lambda s: luhn_valid(re.sub(r"\D", "", s)[-10:]),
        ("person", "samordning", "fødsel", "fodsel", "cpr", "henkilö", "hetu")),
    IdPattern(6, re.compile(
        rf"(?i:\bhkid\b|hong\s+kong\s+id\w*(?:\s+card)?){_SEP}([A-Z]{{1,2}}\d{{6}} ?\(?[\dA]\)?)"),
        lambda s: hkid_valid(s), ("hkid", "hong")),
    IdPattern(1, re.compile(
        rf"(?i:\b(?:passport|passeport|pasaporte|passaporto|reisepass|paszport|paspoort|pasaport"
        rf"|паспорт)){_SEP}([A-Z]{{0,3}}\d(?:[ -]?[\dA-Z]){{5,9}})(?![\dA-Za-z])"),
        None, ("pas", "паспорт")),
    IdPattern(1, re.compile(
        rf"(?:(?i:\b(?:driver['’]?s?|driving)\s+licen[cs]e|\blicen[cs]e\b"
        rf"|permis\s+de\s+conduire|führerschein\w*|(?:carnet|licencia)\s+de\s+conducir"
        rf"|carta\s+de\s+condução|patente(?:\s+di\s+guida)?|prawo\s+jazdy|rijbewijs\w*|körkort)"
        rf"|\bDL\b){_SEP}([A-Z]{{0,6}}\d(?:[ -]?[\dA-Z]){{4,17}})(?![\dA-Za-z])"),
        None, ("licen", "dl", "permis", "führerschein", "condu", "patente", "jazdy", "rijbewijs",
               "körkort")),
    IdPattern(1, re.compile(
        rf"(?:(?i:\b(?:{_ID_WORDS}))|\b(?:{'|'.join(_UPPER_IDS)})\b){_SEP}"
        r"([A-Z]{0,4}\d(?:[-\s./]?[\dA-Z]){5,20})(?![\dA-Za-z])"),
        None, ("id", "personal", "kimlik", "fiscale", "sécu", "secu", "sozialversicherung", "ідентиф",
               *(word.lower() for word in _UPPER_IDS))),
]

# Any context word of an id, any street word: one search skips all of those patterns at once.
# Every context word of an id, every street word: when a text holds none, all of those
# patterns are skipped after one test.
ID_WORDS = Cue(tuple(h for i in NATIONAL_IDS for h in i.hints or ()))
STREET_WORDS = Cue(tuple(w for words, _ in STREETS for w in words or ()))
VERSION_BEFORE = re.compile(r"(?i:\bv|version|ver\.?|release|build|firmware|rev\.?)\s*$")
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


def is_ipv4(text: str, before: str = "") -> bool:
    """A dotted quad that can be someone's address: not loopback (127.*), unspecified or
    "this network" (0.*), a netmask or broadcast (255.*), nor a version ("v1.2.3.4")."""
    parts = [int(part) for part in text.split(".")]
    if any(part > 255 for part in parts) or parts[0] in (0, 127, 255):
        return False
    return not VERSION_BEFORE.search(before[-24:])


def is_ipv6(text: str) -> bool:
    if sum(1 for group in text.split(":") if group) < 3:
        return False
    try:
        address = ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return not (address.is_loopback or address.is_unspecified)


def _digits(text: str) -> list[int]:
    return [int(c) for c in text if c.isdigit()]


def hkid_valid(text: str) -> bool:
    """Hong Kong identity card: letters (A=10 … Z=35, a blank 36 before a single one), six
    digits, weights 9 … 2, and a check digit (A for 10) that makes the sum divisible by 11."""
    compact = re.sub(r"[\s()]", "", text).upper()
    letters, rest = compact[:-7], compact[-7:]
    values = [36] * (2 - len(letters)) + [ord(c) - 55 for c in letters] + _digits(rest[:6])
    total = sum(value * weight for value, weight in zip(values, range(9, 1, -1), strict=True))
    check = 10 if rest[6] == "A" else int(rest[6])
    return (total + check) % 11 == 0


def tfn_valid(text: str) -> bool:
    """Australian tax file number: weighted sum divisible by 11."""
    digits = _digits(text)
    weights = (1, 4, 3, 7, 5, 8, 6, 9, 10) if len(digits) == 9 else (10, 7, 8, 4, 6, 3, 5, 1)
    return len(digits) in (8, 9) and sum(d * w for d, w in zip(digits, weights, strict=True)) % 11 == 0


def pesel_valid(text: str) -> bool:
    """Polish PESEL: weights 1 3 7 9 repeated, the last digit completes the sum to a ten."""
    digits = _digits(text)
    total = sum(d * w for d, w in zip(digits, (1, 3, 7, 9, 1, 3, 7, 9, 1, 3), strict=False))
    return len(digits) == 11 and (10 - total % 10) % 10 == digits[10]


def bsn_valid(text: str) -> bool:
    """Dutch burgerservicenummer: the "11-test" (weights 9 … 2, then -1)."""
    digits = _digits(text)
    digits = [0] * (9 - len(digits)) + digits
    total = sum(d * w for d, w in zip(digits, (9, 8, 7, 6, 5, 4, 3, 2, -1), strict=True))
    return len(digits) == 9 and total % 11 == 0 and total > 0


def steuer_id_valid(text: str) -> bool:
    """German Steuer-Identifikationsnummer: 11 digits, no leading 0, ISO 7064 MOD 11,10."""
    digits = _digits(text)
    if len(digits) != 11 or digits[0] == 0:
        return False
    product = 10
    for digit in digits[:10]:
        total = (digit + product) % 10 or 10
        product = total * 2 % 11
    return (11 - product) % 10 == digits[10]


def nhs_valid(text: str) -> bool:
    """UK NHS number: weights 10 … 2, mod 11 (a remainder giving 10 is never issued)."""
    digits = _digits(text)
    if len(digits) != 10:
        return False
    check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=False)) % 11
    return check != 10 and check % 11 == digits[9]


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
