"""A second, stricter personal-data scan for `releases.verify`, independent of the redactor.

The redactor (`moderation.pii`) must keep ordinary text readable, so it looks for exact shapes.
This scan only has to refuse a release, so it normalizes first (curly quotes, "(at)"/"dot"
spellings, full-width characters) and then flags anything that merely *could* be personal
data: any 9+ digit run however it is grouped, any IBAN-like or id-like token, a number next to
a street word in any of several languages, any introduction, any pair of capitalized words
that contains a common given name or surname. It will flag some harmless text; a failing
release is then read by a person, which is the point.
"""

from __future__ import annotations

import re
import unicodedata

from moderation.pii.names import GIVEN_NAMES, words

SURNAMES = words("""
smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez
gonzalez wilson anderson taylor thomas moore jackson martin lee thompson white harris clark
lewis robinson walker young allen king wright scott hill green adams baker nelson müller
mueller schmidt schneider fischer weber meyer wagner becker schulz hoffmann dubois durand leroy
moreau laurent lefebvre bernard petit rossi russo ferrari esposito bianchi romano silva santos
oliveira souza pereira costa wang li zhang liu chen yang huang zhao wu zhou kim park choi
nguyen tran pham sato suzuki takahashi tanaka watanabe ivanov petrov smirnov kumar singh sharma
patel gupta khan ahmed ali hassan cohen levi
""")
DIGIT = re.compile(r"\d")
CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]")
MARKER = re.compile(r"\[REDACTED_[A-Z]+\]")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A bare "at" becomes "@" only before something shaped like a domain: a "dot", or a dotted
# name ending in a country or generic top-level domain ("at noon. In", "at main.py" stay).
_DOMAIN_END = (r"(?:com|org|net|edu|gov|mil|int|info|biz|io|co|ai|app|dev|me|us|uk|ca|au|nz|de|"
               r"fr|es|it|nl|be|ch|at|se|no|dk|fi|pl|pt|ie|eu|ru|ua|cn|jp|kr|in|br|mx|ar|za)\b")
AT = re.compile(r"\s*(?:[(\[{<]\s*at\s*[)\]}>]|\bat\b(?=\s+[\w-]+\s*(?:[(\[{<]\s*dot|\bdot\b|"
                rf"(?:\.[\w-]+)*\.{_DOMAIN_END})))\s*", re.IGNORECASE)
EMAIL_CUE = re.compile(r"@|\bat\b|\bdot\b", re.IGNORECASE)
DOT = re.compile(r"\s*(?:[(\[{<]\s*dot\s*[)\]}>]|\bdot\b)\s*", re.IGNORECASE)
DIGIT_RUN = re.compile(r"\+?\d(?:[\s().\-/]{0,2}\d){8,}")
DECIMAL = re.compile(r"\d\.\d{5,}")
DATE_TIME = re.compile(r"(?:19|20)\d\d[-/.]\d\d[-/.]\d\d(?:[ T]\d\d)?")
IPV4ISH = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b")
IPV6ISH = re.compile(r"\b[0-9a-f]{1,4}(?::[0-9a-f]{0,4}){3,7}\b", re.IGNORECASE)
ID_TOKEN = re.compile(
    r"\b(?:[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,8}(?: ?[A-Z0-9]{1,3})?|[A-Z]{2}\d{2}[A-Z0-9]{11,30}"
    r"|\d{3}-\d{2}-\d{4}|[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]|[XYZ]?\d{7,8}[A-Z]"
    r"|[A-Z]{6}\d{2}[A-Z]\d{2}[A-Z]\d{3}[A-Z]|[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12})\b"
)
STREET_WORDS = (
    "street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|way|place|terrace|square|close|"
    "rue|allée|chemin|impasse|quai|calle|avenida|plaza|paseo|rua|via|viale|piazza|corso|"
    "straße|strasse|str|weg|platz|allee|gasse|laan|straat|gracht|ulitsa|улица"
)
STREET_FIRST = (
    "rue|avenue|boulevard|allée|chemin|impasse|quai|calle|avenida|plaza|paseo|rua|via|viale|"
    "piazza|corso|ulitsa|улица"
)
ADDRESS = re.compile(
    rf"\b\d{{1,5}}[A-Za-z]?,?\s+(?:[A-ZÀ-Þ][\w'’-]*\s+){{1,4}}(?i:{STREET_WORDS})\b"
    rf"|\b\d{{1,5}}[a-z]?,?\s+(?i:{STREET_FIRST})\s"
    rf"|\b(?i:{STREET_FIRST})\s+(?:[\w'’-]+\s+){{0,3}}\d{{1,5}}\b"
    rf"|\b\w+(?i:straße|strasse|str\.|weg|platz|allee|gasse)\s*\d"
)
INTRO = re.compile(
    r"\b(?:my name is|my name's|my name|name is|call me|i am|i'm|je m'appelle|je suis|me llamo|"
    r"mi nombre|mi chiamo|"
    r"ich heiße|ich heisse|mein name|meu nome|me chamo|mijn naam|ik heet|меня зовут)\s+"
    r"(\w+)",
    re.IGNORECASE,
)
CAPITAL_PAIR = re.compile(r"(?=\b([A-ZÀ-ÞА-Я][\w'’-]+)\s+([A-ZÀ-ÞА-Я][\w'’-]+)\b)")
TITLED = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Dr|Prof|Mme|Mlle|Herr|Frau|Sr|Sra)\.?\s+[A-ZÀ-Þ][\w'’-]+")
CJK_INTRO = re.compile(
    r"(?:我叫|我的名字|私の名前は?|제\s?이름은?)\s*[\u4e00-\u9fff\u3040-\u30ff\uac00-\ud7af]"
)
# Words that follow "I am"/"I'm" in ordinary text; anything else after an intro is flagged.
NOT_NAMES = words("""
a an the not so very just also sorry happy sure here there still from in on at back new trying
going working looking writing building learning using getting done ready glad afraid tired
hungry confused interested curious aware able unable fine good okay ok currently really now
using stuck wondering planning thinking redacted
""")


def _normalize(text: str) -> str:
    if "[REDACTED_" in text:
        text = MARKER.sub("redacted", text)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).replace("’", "'").replace("ʼ", "'")
    lower = text.lower()
    if EMAIL_CUE.search(lower):
        text = re.sub(r"(\w)\s+@\s+(\w)", r"\1@\2", text)
        text = re.sub(r"(@[\w-]+)\s+\.\s+(\w)", r"\1.\2", text)
        text = DOT.sub(".", AT.sub("@", text))
    return text


# Digits touching a marker: what is left of a number the redactor cut in two.
PARTIAL = re.compile(r"\[REDACTED_[A-Z]+\][\s-]?\d{2,}|\d{2,}[\s-]?\[REDACTED_[A-Z]+\]")


def leaks(text: str) -> list[tuple[str, str]]:
    """(kind, excerpt) for everything that could be personal data in `text`."""
    digits = DIGIT.search(text) is not None
    found: list[tuple[str, str]] = [
        ("partial redaction", m.group()) for m in PARTIAL.finditer(text)
    ] if digits and "[REDACTED_" in text else []
    text = _normalize(text)
    if "@" in text:
        found += [("email", m.group()) for m in EMAIL.finditer(text)]
    if CJK.search(text):
        found += [("name", m.group()) for m in CJK_INTRO.finditer(text)]
    for m in INTRO.finditer(text):
        if m.group(1).lower() not in NOT_NAMES:
            found.append(("name", m.group()))
    for m in CAPITAL_PAIR.finditer(text):
        first, second = m.group(1).lower(), m.group(2).lower()
        if first in GIVEN_NAMES or second in SURNAMES:
            found.append(("name", f"{m.group(1)} {m.group(2)}"))
    found += [("name", m.group()) for m in TITLED.finditer(text)]
    if not digits:
        return found
    for m in DIGIT_RUN.finditer(text):
        span = m.group()
        if DATE_TIME.match(span) or DECIMAL.search(text, max(m.start() - 1, 0), m.end()):
            continue
        groups = re.findall(r"\d+", span)
        if len(groups) == 1 and len(span) < 11 and not span.startswith(("0", "+")):
            continue  # a bare 9-10 digit quantity (299792458, 2**30); phones carry a prefix
        if len(groups) > 2 and any(len(g) == 1 for g in groups[1:]) and not span.startswith("+"):
            continue  # a list of small numbers ("2 3 5 7 11"), not one grouped number

        found.append(("number", span))
    found += [("ip", m.group()) for m in IPV4ISH.finditer(text)]
    found += [("ip", m.group()) for m in IPV6ISH.finditer(text) if m.group().count(":") >= 3]
    found += [("id", m.group()) for m in ID_TOKEN.finditer(text)]
    found += [("address", m.group()) for m in ADDRESS.finditer(text)]
    return found
