"""Street addresses, PO boxes and postcodes, in the forms of many countries. Kept apart from
`patterns` because street words are many and each family has its own order (number first in
English and French, street word first in Spanish, Polish or Indonesian, a compound word then
the number in German, Dutch and the Nordic languages, blocks in Japan).

Every pattern holds a digit (the detector runs them only on text with digits) and one of its
cue words (case as written): a text holding none of them is not searched.
"""

from __future__ import annotations

import re


def _alternatives(words: tuple[str, ...]) -> str:
    return "|".join(map(re.escape, words))


def _cues(words: tuple[str, ...]) -> tuple[str, ...]:
    """The fewest of `words` that every one of them contains ("St" for "Street" and "St"): a
    text holding none of them cannot match a pattern that needs one of `words`."""
    return tuple(w for w in words if not any(other != w and other in w for other in words))


_CAP = "A-ZÀ-ÖØ-ÞĀĂĄĆČĎĐĒĘĚĞİŁŃŇŐŒŘŚŞŠŢŤŮŰŸŹŻŽ"
_LOW = r"\wäöüßåæøéèëçğışñáíóúâêôãõàìòùčďěňřšťůýžąćęłńśźż"
_STREET_EN = ("Street", "St", "Avenue", "Ave", "Road", "Rd", "Boulevard", "Blvd", "Lane", "Ln",
              "Drive", "Dr", "Court", "Ct", "Way", "Place", "Pl", "Terrace", "Square", "Sq",
              "Crescent", "Close", "Gardens", "Parkway", "Highway")
_UNIT = r"(?:,?\s+(?:Apt|Apartment|Suite|Ste|Unit|Flat|#)\.?\s*#?\d{1,5}[A-Z]?\b)?"
# German, Austrian, Swiss, Dutch and Nordic street names end in one of these, then the number.
_STREET_COMPOUND = ("straße", "strasse", "str.", "weg", "platz", "allee", "gasse", "damm",
                    "gracht", "straat", "laan", "kade", "plein", "singel", "dijk", "steeg",
                    "gatan", "gata", "vägen", "gränd", "torget", "vej", "gade", "stræde", "veien",
                    "vegen", "ring")
# English words that end like a street ("Spring 2024", "During 2020", "Brigade 3").
_NOT_COMPOUND = r"(?!(?:Spring|String|Bring|Offspring|Keyring|Brigade|Renegade|Agata)\b)"
_STREET_SOUTH = ("Calle", "C/", "Avenida", "Avda.", "Avda", "Plaza", "Paseo", "Rua", "Via", "Viale",
                 "Piazza", "Corso", "Carrer", "Largo", "Travessa", "Jl.", "Jalan")
_SEPARATE_DE = ("Straße", "Strasse", "Str.", "Gasse", "Allee", "Damm", "Weg", "Platz")
_GENITIVE_NORDIC = ("gate", "gata", "vei", "veg", "vej", "gade", "allé", "plass", "torg")
# Swiss and Belgian French: the number after the street ("Rue du Rhône 12").
_STREET_FR = ("Rue", "Avenue", "Chemin", "Route", "Boulevard", "Place", "Allée", "Quai")
_STREET_TR = ("Caddesi", "Cad.", "Sokak", "Sokağı", "Sok.", "Sk.", "Bulvarı", "Mahallesi", "Mah.")
_STREET_CS = ("náměstí", "třída", "nábřeží", "ulice", "Ulice")
_STREET_PL = ("ul.", "Ul.", "al.", "Al.", "pl.", "Pl.", "ulica", "Ulica", "aleja", "Aleja")
_STREET_RU = ("ул.", "улица", "Улица", "пр.", "проспект", "пер.", "переулок", "вул.", "вулиця",
              "бул.")
_BOXES = ("Box", "BOX", "box", "Postfach", "Apartado", "Casilla", "Caixa")
_JP_PLACE = ("都", "道", "府", "県", "市", "区", "町", "村")
_MONTHS_DAYS = (r"(?!(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|Mon|Tue|Wed|Thu|Fri|Sat"
                r"|Sun|Formation|Win|Draw|Loss|Score)[a-z]*\b)")
_JP_CHARS = "\u4e00-\u9fff\u3040-\u30ff"
_JP_DIGIT = "0-9\uff10-\uff19"

# (cue words, pattern): a pattern runs only on text holding one of its cue words (case as
# written; None: always, as the French words and postcodes match in any case or shape).
STREETS: list[tuple[tuple[str, ...] | None, re.Pattern[str]]] = [
    (_cues(_STREET_EN), re.compile(
        rf"\b\d{{1,5}}[A-Za-z]?,?\s+(?:[A-Z][\w'’-]*\s+){{1,4}}(?:{_alternatives(_STREET_EN)})\b\.?"
        + _UNIT)),
    (None, re.compile(
        r"\b\d{1,4}(?:\s?(?:bis|ter))?,?\s+(?i:rue|avenue|boulevard|bd|place|chemin|allée"
        r"|impasse|quai|cours|route)\s+(?:(?:de|du|des|la|le|l['’])\s*)*[\wÀ-ÿ'’-]+"
        r"(?:\s+[A-ZÀ-Ý][\wÀ-ÿ'’-]+)*")),
    (_cues(_STREET_COMPOUND), re.compile(
        rf"\b(?:[{_CAP}][{_LOW}'’.-]*\s+){{0,2}}{_NOT_COMPOUND}[{_CAP}][{_LOW}-]*"
        rf"(?:{_alternatives(_STREET_COMPOUND[:-1])}|(?<=[bcdfghjklmnpqrstvwxzß])ring)"
        r"\s+\d{1,4}\s?[a-zA-Z]?(?:[-/]\d{1,4}[a-zA-Z]?)?\b")),
    (_cues(_SEPARATE_DE), re.compile(
        rf"\b(?!(?:Der|Die|Das|Den|Dem|The|Am|Im|Auf|In)\b)[{_CAP}][{_LOW}-]*\s+"
        rf"(?:{_alternatives(_SEPARATE_DE)})\s+\d{{1,4}}\s?[a-zA-Z]?\b")),
    (_cues(_GENITIVE_NORDIC), re.compile(
        rf"\b(?:[{_CAP}][{_LOW}.]*\s+)?[{_CAP}][{_LOW}]*(?:s\s+(?:gate|gata|plass|torg)"
        rf"|\s+(?:vei|veg|vej|gade|allé))\s+\d{{1,4}}\s?[a-zA-Z]?\b")),
    (_cues(_STREET_FR), re.compile(
        rf"\b(?:{_alternatives(_STREET_FR)})\s+(?:(?:de|du|des|la|le|l['’])\s*)*[{_CAP}][{_LOW}'’-]+"
        rf"(?:\s+[{_CAP}][{_LOW}'’-]+)*,?\s+\d{{1,4}}\b")),
    (_cues(_STREET_SOUTH), re.compile(
        rf"\b(?:{_alternatives(_STREET_SOUTH)})\s+"
        r"(?:(?:de|del|la|dos|das|do|da|dei|delle|di)\s+)*[A-ZÀ-Ý][\wÀ-ÿ'’-]+"
        r"(?:\s+[A-ZÀ-Ý][\wÀ-ÿ'’-]+)*,?\s+(?:(?:No|Nr|Nº|n[º°])\.?\s*)?\d{1,4}\b")),
    (_cues(_STREET_PL), re.compile(
        rf"(?<![\w.])(?<!et )(?:[Uu]l\.|[Aa]l\.|[Pp]l\.|[Uu]lica|[Aa]leja)\s*[{_CAP}0-9][{_LOW}.'-]*"
        rf"(?:\s+[{_CAP}][{_LOW}.'-]*){{0,3}},?\s+\d{{1,4}}[a-zA-Z]?(?:\s?/\s?\d{{1,4}}[a-zA-Z]?)?")),
    (_cues(_STREET_CS), re.compile(
        rf"(?:[{_CAP}][{_LOW}]*\s+)?(?:náměstí|třída|nábřeží|ulice)\s+\d{{1,4}}(?:/\d{{1,4}})?"
        rf"|\b[Uu]lice\s+[{_CAP}][{_LOW}]*(?:\s+[{_CAP}][{_LOW}]*){{0,2}}\s+\d{{1,4}}(?:/\d{{1,4}})?")),
    (_cues(_STREET_TR), re.compile(
        rf"\b[{_CAP}][{_LOW}]*(?:\s+[{_CAP}][{_LOW}]*)?\s+(?:{_alternatives(_STREET_TR)})"
        r"\s*(?:No\s*[:.]?\s*)?\d{1,4}")),
    (_cues(_STREET_RU), re.compile(
        rf"(?<!\w)(?:{_alternatives(_STREET_RU)})\s*[А-ЯЁІЇЄҐ][\w'-]*(?:\s+[А-ЯЁІЇЄҐ][\w'-]*)?,?"
        r"\s*(?:д\.|дом|буд\.)?\s*\d{1,4}")),
    (None, re.compile(
        rf"\b\d{{1,2}}-\d{{1,2}}-\d{{1,3}}\s+{_MONTHS_DAYS}[A-Z][a-z]{{2,}}(?:-(?:ku|shi|cho|machi))?\b"
        r"|\b[A-Z][a-z]+-(?:ku|shi|cho|machi)\s+\d{1,2}-\d{1,2}(?:-\d{1,3})?\b"
        r"|\b\d{1,2}[- ]?[Cc]h[oō]me(?:[- ]\d{1,3}){1,2}\b"
        r"|\b[A-Z][a-z]+-(?:ku|shi|cho|machi|gun)\s+[A-Z][a-z]+\s+\d{1,2}-\d{1,2}(?:-\d{1,3})?\b")),
    (_JP_PLACE, re.compile(
        rf"[{_JP_CHARS}]{{0,12}}[都道府県市区町村][{_JP_CHARS}]{{0,12}}[{_JP_DIGIT}]{{1,4}}"
        rf"(?:(?:丁目|番地|番|号|[-−‐ー－の])[{_JP_DIGIT}]{{1,4}}){{1,3}}号?")),
    (_cues(_BOXES), re.compile(
        r"\b(?:P\.?\s?O\.?|[Pp]ost\s+[Oo]ffice)\s*(?:Box|BOX|box)\s*(?:No\.?\s*)?#?\s*\d{1,6}\b"
        r"|\bPostfach\s+\d{1,6}\b|\b(?:Apartado|Casilla)(?:\s+de\s+[Cc]orreos)?\s+\d{1,6}\b"
        r"|\bCaixa\s+Postal\s+\d{1,6}\b")),
    (("Apt", "Apartment"), re.compile(r"\b(?:Apt\.?|Apartment)\s*#?\s*\d{1,5}[A-Z]?\b")),
    # A UK postcode ("SW1A 2AA"; not "M2 2TB", a drive's size).
    (None, re.compile(
        r"\b(?:[A-Z]{1,2}\d[A-Z\d]?|GIR) \d(?!(?:GB|TB|PB)\b)[ABD-HJLNP-UW-Z]{2}\b")),
]
