"""Names that text introduces: "my name is …" and its equivalents in many languages and scripts,
"I'm …", greetings ("Dear …", "Hi Anna"), letter sign-offs ("Thanks,\\nJane Doe", "Signed, …")
and letters "from …". Kept apart from `names` (word lists, name shapes) because each phrase
family has its own rule for what may follow it:

- strong introductions: whatever follows is the name, in any case ("my name is maria garcia");
- weak ones: only a capitalized word that is not an ordinary one ("I'm tired" is not a name);
- sign-offs: a name alone at the end of its line ("Thanks, that helps" is not signed);
- greetings and "from": a common given name, or two name words ("an email from Google" is not);
- scripts without capitals (Arabic, Hebrew, Devanagari, Thai, CJK): the next 1–3 words.

Each family runs only where its cue is in the text (a phrase's word, a non-ASCII character).
"""

from __future__ import annotations

import re

from moderation.pii.cues import Cue, trie
from moderation.pii.names import (
    APOSTROPHES,
    LETTER,
    PARTICLE,
    TOKEN,
    is_given_name,
    is_name_word,
    whole,
)

_A = f"[{APOSTROPHES}]"


def _phrases(text: str) -> str:
    """Phrases one per line, spaces matching any white space."""
    return "|".join(line.strip().replace(" ", r"\s+") for line in text.strip().splitlines())


# Introductions after which whatever follows is the name, capitalized or not.
STRONG_PHRASES = _phrases(rf"""
my name is
my name{_A}s
my full name is
my full name{_A}s
full name is
je m{_A}appelle
mon nom est
mon nom complet est
me llamo
mi nombre es
mi nombre completo es
mi chiamo
il mio nome [èe]
ich hei(?:ß|ss)e
mein name ist
mein vollständiger name ist
o meu nome [ée]
meu nome [ée]
eu me chamo
me chamo
chamo-me
mijn naam is
my naam is
ik heet
nazywam si[ęe]
mam na imi[ęe]
moje imi[ęe] to
t[ôo]i tên l[àa]
tên t[ôo]i l[àa]
tên c[ủu]a t[ôo]i l[àa]
m[ìi]nh tên l[àa]
benim ad[ıi]m
nama saya
nama aku
saya bernama
jag heter
mitt namn [äa]r
jeg heter
jeg hedder
mit navn er
mitt navn er
m[ăa] numesc
numele meu este
jmenuji se
jmenuju se
vol[áa]m sa
a nevem
ako si
ang pangalan ko ay
jina langu ni
nimeni on
меня зовут
мене звати
мене звуть
мо[её] имя
моє ім{_A}я
казвам се
зовем се
με λένε
λέγομαι
ονομάζομαι
το όνομ[άα] μου είναι
""")
# Every strong introduction contains one of these words (in lower case; ı, i̇ and ſ read as
# i and s, as IGNORECASE matches them).
STRONG_HINTS = ("name", "nom", "appelle", "llamo", "chiamo", "heiße", "heisse", "chamo", "naam",
                "heet", "nazywam", "imię", "imie", "moje", "tên", "benim", "nama", "saya", "heter",
                "hedder", "navn", "namn", "numesc", "numele", "jmenu", "volám", "volam", "nevem",
                "ako", "pangalan",
                "jina", "nimeni", "зов", "звати", "звуть", "имя", "ім", "казвам", "λένε",
                "λέγομαι", "ονομάζομαι", "όνομ", "ονομ")
WORD = rf"[{LETTER}][{LETTER}{APOSTROPHES}-]*"
STOP = (r"(?i:and|et|y|und|e|en|и|і|та|a|і|i|the|at|on|back|later|tomorrow|when|if|please|now"
        r"|but|or|from|to|in|an|is|was|og|och|ve|và|και|и|я|ich|je|io|eu|yo|aged|years"
        r"|ans|años|anni|jahre|anos|jaar|lat|yaşındayım|tuổi|и|мне|мені|είμαι|sono|soy"
        rf"|jestem|from|de|not|no|nothing|none|secret|important)(?![{LETTER}])")
STRONG = re.compile(
    rf"(?i:(?<![{LETTER}])(?:{STRONG_PHRASES}))(?:[ \t]*:[ \t]*|\s+)"
    rf"((?!{STOP}){WORD}(?:[ \t]+(?:{PARTICLE}[ \t]+){{0,3}}(?!{STOP}){WORD}){{0,2}})"
)
# Introductions that also precede ordinary words ("I'm tired"): a capitalized name word only.
WEAK_PHRASES = ("I'm", "I’m", "Iʼm", "I am", "This is", "this is", "I go by", "Call me", "call me",
                "Je suis", "je suis", "Soy", "soy", "Sono", "sono", "Ich bin", "ich bin", "Ik ben",
                "ik ben", "Jestem", "jestem", "Adım", "Adim", "Jag är", "jag är", "Jeg er", "jeg er",
                "Saya", "saya", "Eu sou", "eu sou", "Aqui é", "aqui é")


def _literals(phrases: tuple[str, ...]) -> str:
    """Phrases as one trie-shaped alternation (spaces: any white space): it starts with a literal
    character, so the engine skips ahead to one; word boundaries are checked in Python."""
    return trie(phrases, r"\s+")


WEAK = re.compile(rf"(?:{_literals(WEAK_PHRASES)})[ \t]+(?={TOKEN})")
# Greetings: a given name ("Hi Anna"); after "Dear" any name word ("Dear Okafor").
_DEAR = ("dear", "liebe", "lieber", "querido", "querida", "caro", "cara", "beste", "drogi", "droga")
_HI = ("hi", "hello", "hey", "bonjour", "salut", "hola", "ciao", "hallo", "hej", "olá", "ola", "oi",
       "cześć", "witaj", "merhaba", "selam", "halo", "chào")
GREETING = re.compile(
    rf"({_literals(tuple(w for word in _DEAR + _HI for w in (word.capitalize(), word)))})"
    rf"[ \t]*,?[ \t]+(?={TOKEN})"
)
# A sign-off starts a message, a line or a sentence; the name after it must end its line:
# "Thanks,\nJane Doe", "Signed, Jane Doe" ("I love Paris!" is not signed).
SIGNOFF = re.compile(
    r"(?:^|(?<=\n)|(?<=[.!?,;:] ))(?i:regards|kind\s+regards|best\s+regards|warm(?:est)?\s+regards"
    r"|best\s+wishes|best|thanks(?:\s+again)?|thank\s+you|many\s+thanks|cheers|sincerely|yours\s+sincerely"
    r"|sincerely\s+yours|yours\s+truly|yours\s+faithfully|yours|love|lots\s+of\s+love"
    r"|with\s+love|xoxo|respectfully|signed|cordialement|bien\s+à\s+vous|amitiés|bises|saludos"
    r"|un\s+saludo|atentamente|cordiali\s+saluti|distinti\s+saluti|un\s+saluto|saluti"
    r"|mit\s+freundlichen\s+grüßen|viele\s+grüße|liebe\s+grüße|beste\s+grüße|grüße|mfg"
    r"|atenciosamente|abraços|beijos|met\s+vriendelijke\s+groet|groetjes|groeten|pozdrawiam"
    r"|z\s+poważaniem|с\s+уважением|med\s+vänliga\s+hälsningar|hälsningar|mvh|med\s+venlig"
    r"\s+hilsen|venlig\s+hilsen|hilsen|saygılarımla|trân\s+trọng|hormat\s+saya|salam\s+hormat"
    r"|—|--)"
    rf"[ \t]*[,!.:;\-–—]?\s*(?={TOKEN})"
)
# "a letter from …", "From: …", "Name: …", "I go by …": two name words or a given name.
FROM = re.compile(
    r"(?<![\w])(?:(?i:(?:letter|note|message|e-?mail|card|gift|love|hugs|kisses|wishes|greetings"
    r"|hello|hi)\s+from)"
    r"|From:|FROM:|(?:[Ff]ull\s+)?[Nn]ame:|NAME:|[Ss]igned\s+by|[Ss]ent\s+by|[Ww]ritten\s+by"
    rf"|[Aa]uthor:)[ \t]*(?={TOKEN})"
)
SIGNOFF_HINTS = ("regards", "best", "thank", "cheers", "sincerely", "yours", "love", "xoxo",
                 "respectfully", "signed", "cordialement", "vous", "amitiés", "bises", "salud",
                 "atentamente", "salut", "grüße", "mfg", "atenciosamente", "abraços", "beijos",
                 "groet", "pozdrawiam", "poważaniem", "уважением", "hälsningar", "mvh", "hilsen",
                 "saygı", "trọng", "hormat", "—", "--")
FROM_HINTS = ("from", "name:", "signed", "sent", "written", "author:")
_LINE_END = re.compile(r"[ \t]*(?:[.!]*[ \t]*(?:\n|$)|[,;(|\-–—])")

# Scripts without capital letters: the 1–3 words after the phrase, never the phrase itself.
_AR = "\u0620-\u065f\u066e-\u06d3\u06d5\u06fa-\u06ff"
_HE = "\u05b0-\u05c7\u05d0-\u05ea\u05f0-\u05f4"
_DEV = "\u0900-\u0963\u0966-\u097f"
_TH = "\u0e01-\u0e4e"
_CJK = "\u4e00-\u9fff\u3040-\u30ff\uac00-\ud7af"
# (hints: one of them is in every match, pattern with the name as group 1)
SCRIPT_INTROS: list[tuple[tuple[str, ...], re.Pattern[str]]] = [
    (("اسم", "إسم", "أسم", "نام", "نوم"), re.compile(
        rf"(?:[اإأ]سمي|اسم\s+من|نام\s+من|میرا\s+نام|زما\s+نوم)(?![{_AR}])\s*(?:هو\s+|:\s*)?"
        rf"((?!(?:ہے|است)(?![{_AR}]))[{_AR}]+(?:\s+(?!(?:ہے|است|هست|و)(?![{_AR}]))[{_AR}]+){{0,2}})")),
    (("קוראים", "שמי", "השם"), re.compile(
        rf"(?<![{_HE}])(?:קוראים\s+לי|שמי|השם\s+שלי(?:\s+הוא)?)(?![{_HE}])\s*:?\s*"
        rf"([{_HE}]+(?:\s+[{_HE}]+){{0,2}})")),
    (("नाम",), re.compile(
        rf"(?:मेरा|मेरी)\s+(?:पूरा\s+|शुभ\s+)?नाम\s*(?:है\s+)?:?\s*"
        rf"((?!है(?![{_DEV}]))[{_DEV}]+(?:\s+(?!है(?![{_DEV}]))[{_DEV}]+){{0,2}})")),
    (("ชื่อ",), re.compile(
        rf"(?:(?:ฉัน|ผม|ดิฉัน|หนู|เรา)ชื่อ|ชื่อของ(?:ฉัน|ผม|ดิฉัน))\s*(?:คือ|ว่า)?\s*"
        rf"([{_TH}]+(?:[ \t][{_TH}]+)?)")),
    (("我", "私", "저", "제", "이름", "申", "いいます"), re.compile(
        rf"(?:我叫|我的名字是|我的名字叫|私の名前は|저는|제\s?이름은|이름은)\s*([{_CJK}]{{2,4}})"
        rf"|([\u4e00-\u9fff\u3040-\u30ff]{{2,6}})(?:と申します|といいます)")),
]


_WORD_CHAR = re.compile(r"\w")
_STRONG_CUE, _SIGNOFF_CUE, _FROM_CUE = Cue(STRONG_HINTS), Cue(SIGNOFF_HINTS), Cue(FROM_HINTS)


def _name_ok(first: str, span: tuple[int, int], text: str) -> bool:
    return is_given_name(first) or len(text[span[0]:span[1]].split()) >= 2


def intro_spans(text: str, lower: str, *, cues: bool = True) -> list[tuple[int, int]]:
    """Where introduced names are in `text` (`lower`: the text in lower case)."""
    spans: list[tuple[int, int]] = []
    folded = lower if lower.isascii() else (
        lower.replace("ı", "i").replace("i\u0307", "i").replace("ſ", "s"))
    if not cues or _STRONG_CUE(folded):
        for m in STRONG.finditer(text):
            start, end = whole(text, m.start(1), m.end(1))
            if text[start:end].strip(" \t'’-"):
                spans.append((start, end))
    for m in WEAK.finditer(text):
        if m.start() and text[m.start() - 1].isalpha():
            continue
        span = whole(text, m.end())
        if is_name_word(text[span[0]:span[1]].split()[0]):
            spans.append(span)
    for m in GREETING.finditer(text):
        if m.start() and _WORD_CHAR.match(text, m.start() - 1):
            continue
        span = whole(text, m.end())
        first = text[span[0]:span[1]].split()[0]
        if is_given_name(first) or (m.group(1).lower() in _DEAR and is_name_word(first)):
            spans.append(span)
    if not cues or _SIGNOFF_CUE(folded):
        for m in SIGNOFF.finditer(text):
            span = whole(text, m.end())
            first = text[span[0]:span[1]].split()[0]
            if is_name_word(first) and _LINE_END.match(text, span[1]):
                spans.append(span)
    if not cues or _FROM_CUE(folded):
        for m in FROM.finditer(text):
            span = whole(text, m.end())
            first = text[span[0]:span[1]].split()[0]
            if is_name_word(first) and _name_ok(first, span, text):
                spans.append(span)
    if not text.isascii() or not cues:
        for hints, pattern in SCRIPT_INTROS:
            if not cues or any(hint in text for hint in hints):
                for m in pattern.finditer(text):
                    group = 1 if m.group(1) else 2
                    spans.append(m.span(group))
    return spans
