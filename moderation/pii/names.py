"""Names: self-introductions in several languages and scripts, titles, and full names that
start with a common given name. Word lists are deliberately free of ordinary words (no "Will",
"May", "Max", "Grace") so that headings and code do not read as people.
"""

from __future__ import annotations

import re


def words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Given names common across English, French, Spanish, German, Italian, Portuguese, Dutch,
# Slavic, Arabic, Indian, Chinese (pinyin), Japanese and Korean usage.
GIVEN_NAMES = words("""
aaron abdul adam adrian ahmed aisha akira alan albert alejandro alex alexander alexandra alexei
ali alice alicia amanda amelia amina amir ana andrea andreas andrew andrei angela anna anne
antoine antonio arjun ashley barbara beatriz benjamin bernard brian carla carlos carmen
caroline catherine charles charlotte chen chloe christian christina christine christopher
claire claudia daniel daniela david deborah dennis diana diego dmitri donald dorothy edward
elena elizabeth ellen emily emma eric erik ethan eva fatima felipe fernando francesca francisco
francois frank gabriel george giovanni giulia giuseppe hannah hans hans-peter harry helen henry
hiroshi hugo ibrahim igor isabel isabella ivan jacob james jan jane jason javier jean jennifer
jessica joao johann johannes john jonathan jorge jose joseph joshua juan julia julie karen karl
katarina kenji kevin kimberly klaus laura lauren leila leon liam linda lisa lucas lucia luis
luka lukas marco margaret maria marie marina mario martin mary matteo matthew mehmet melissa
michael michelle miguel mohammed muhammad natalia nathan nicolas nicole nina noah olga oliver
olivia omar pablo patricia patrick paul paula pedro peter philippe pierre priya rachel rahul
raj rebecca richard robert roberto rosa ryan samuel sandra sara sarah sebastian sergei sergio
sofia sophie stefan stephanie steven susan sven takeshi thomas timothy valentina vanessa victor
victoria vladimir wei wolfgang xavier yuki yusuf zhang zoe иван мария анна дмитрий сергей ольга
елена алексей наталья андрей
""")

TITLES = r"(?:Mr|Mrs|Ms|Miss|Dr|Prof|Mme|Mlle|M|Sr|Sra|Herr|Frau|Sig|Dott)\.?"
CAPITALIZED = r"[A-ZÀ-ÖØ-ÞĀ-ŽА-ЯЁ][a-zß-öø-ÿā-žа-яё'’-]+"
WORD = r"[A-Za-zÀ-ÖØ-öø-ÿĀ-žА-яЁё'’-]+"

STOP = (r"(?i:and|et|y|und|e|en|и|i|the|at|on|back|later|tomorrow|when|if|please|now|but|or"
        r"|from|to|in|a|an|is|was)\b")
# Intros after which whatever follows is the name, capitalized or not.
INTRO_STRONG = re.compile(
    r"(?i:\b(?:my\s+name\s+is|my\s+name['’]s|call\s+me|je\s+m['’]appelle|mon\s+nom\s+est"
    r"|me\s+llamo|mi\s+nombre\s+es|mi\s+chiamo|ich\s+hei(?:ß|ss)e|mein\s+name\s+ist"
    r"|meu\s+nome\s+[ée]|eu\s+me\s+chamo|mijn\s+naam\s+is|ik\s+heet|меня\s+зовут)\s+)"
    rf"((?!{STOP}){WORD}(?:\s+(?!{STOP}){WORD}){{0,2}})"
)
# Intros that also precede ordinary words ("I'm tired"): only a capitalized word counts.
INTRO_WEAK = re.compile(
    r"\b((?:I['’]m|I\s+am|[Tt]his\s+is|[Ss]igned|[Rr]egards,|[Tt]hanks,|[Cc]heers,|[Bb]est,"
    r"|[Ss]incerely,|[Jj]e\s+suis|[Ss]oy|[Ss]ono|[Ii]ch\s+bin)\s+)"
    rf"({CAPITALIZED}(?:\s+{CAPITALIZED})?)"
)
# Capitalized words that follow "I'm" without being names.
NOT_NAMES = words("""
a an the not so very just also sorry happy sure here there still from in on at back new english
french spanish german italian chinese japanese korean russian american british canadian
australian indian brazilian mexican dutch swiss polish turkish arab arabic muslim christian
jewish catholic vegan vegetarian ok okay fine good glad done ready afraid using trying going
working looking writing building learning studying hungry tired confused monday tuesday
wednesday thursday friday saturday sunday python java linux windows google
""")
TITLED = re.compile(rf"\b{TITLES}\s+({CAPITALIZED}(?:\s+{CAPITALIZED})?)")
# Every title contains one of these (case as written): a text with none has no titled name.
TITLE_CUES = ("M", "Dr", "Prof", "Sr", "Herr", "Frau", "Sig", "Dott")
# A lookahead, so "Hello Alice Johnson" is tried at "Alice" too.
FULL_NAME = re.compile(rf"(?=\b({CAPITALIZED})\s+({CAPITALIZED})\b)")
CJK_INTRO = re.compile(
    r"(?:我叫|我的名字是|我的名字叫|私の名前は|저는|제\s?이름은)\s*([\u4e00-\u9fff\u3040-\u30ff\uac00-\ud7af]{2,4})"
)


# Every strong introduction contains one of these (in lower case): a cheap test first.
INTRO_HINTS = ("name", "call me", "appelle", "llamo", "chiamo", "heiße", "heisse", "chamo", "nome",
               "naam", "heet", "зовут")
CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]")


def name_spans(text: str, lower: str | None = None, *, cues: bool = True) -> list[tuple[int, int]]:
    """Where names are in `text` (the name only, never the words that introduced it).

    A pattern runs only where its cue is in the text (`cues=False` runs them all, for tests)."""
    lower = text.lower() if lower is None else lower
    spans: list[tuple[int, int]] = []
    if any(hint in lower for hint in INTRO_HINTS) or not cues:
        spans += [m.span(1) for m in INTRO_STRONG.finditer(text)]
    for match in INTRO_WEAK.finditer(text):
        first = match.group(2).split()[0]
        if first.lower() not in NOT_NAMES:
            spans.append(match.span(2))
    if any(title in text for title in TITLE_CUES) or not cues:
        spans += [m.span(1) for m in TITLED.finditer(text)]
    for match in FULL_NAME.finditer(text):
        if match.group(1).lower() in GIVEN_NAMES and match.group(2).lower() not in NOT_NAMES:
            spans.append((match.start(1), match.end(2)))
    if CJK.search(text) or not cues:
        spans += [m.span(1) for m in CJK_INTRO.finditer(text)]
    return spans
