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
nguyen nguyễn trần phạm hoàng huỳnh phan đặng bùi ngô dương tran pham hoang huynh dang bui
kowalski kowalska nowak wiśniewski wisniewski wójcik wojcik kowalczyk kamiński kaminski
lewandowski zieliński zielinski szymański szymanski woźniak wozniak jansen bakker visser smit
meijer mulder yılmaz yilmaz kaya demir şahin sahin çelik celik yıldız yildiz öztürk ozturk aydın
aydin özdemir arslan doğan dogan kılıç johansson andersson karlsson nilsson eriksson larsson
olsson persson hansen jensen nielsen pedersen andersen christensen larsen sørensen sorensen
rasmussen johansen olsen kovalenko bondarenko tkachenko shevchenko kravchenko melnyk boyko
novák novak svoboda novotný dvořák černý nagy kovács kovacs tóth szabó horváth popescu popa
ionescu papadopoulos okafor okonkwo mensah boateng owusu adeyemi okeke kamau otieno ndlovu
dlamini nkosi khumalo diallo traoré traore diop ndiaye haddad khoury mansour abdullah hussein
rahman hosseini mohammadi rezaei ahmadi levy mizrahi friedman yamamoto nakamura kobayashi
ramírez ramirez flores torres rivera gómez gomez díaz diaz morales reyes ortiz gutiérrez
gutierrez chávez chavez ramos ruiz alvarez mendoza castillo jiménez jimenez vargas romero
herrera medina aguilar reddy rao iyer nair menon pillai joshi mehta shah desai verma mishra
agarwal chatterjee banerjee mukherjee chowdhury malhotra kapoor chopra yadav pandey tiwari
xu guo zhu luo gao brien o'brien d'angelo
""")
PARTICLES = r"(?:de|van|von|der|den|da|di|du|del|della|dos|das|bin|ibn|al|el|le|la|ten|ter)"
_UP = "A-ZÀ-ÞĀ-ɏА-ЯЁІЇЄҐΑ-ΩΆ-Ώ\u1e00-\u1eff"
DIGIT = re.compile(r"\d")
CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]")
MARKER = re.compile(r"\[REDACTED_[A-Z]+\]")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A bare "at" becomes "@" only before something shaped like a domain: a "dot", or a dotted
# name ending in a country or generic top-level domain ("at noon. In", "at main.py" stay).
_DOMAIN_END = (r"(?:com|org|net|edu|gov|mil|int|info|biz|io|co|ai|app|dev|me|us|uk|ca|au|nz|de|"
               r"fr|es|it|nl|be|ch|at|se|no|dk|fi|pl|pt|ie|eu|ru|ua|cn|jp|kr|in|br|mx|ar|za)\b")
_ATS = r"(?:at|ät|arroba|arobase|собака)"
_DOTS = r"(?:dot|punkt|punto|ponto|punt|точка)"
AT = re.compile(rf"\s*(?:[(\[{{<]\s*(?:{_ATS}|@|chez|klammeraffe|chiocciola|małpa|malpa)\s*[)\]}}>]"
                rf"|\b{_ATS}\b(?=\s+[\w-]+\s*(?:[(\[{{<]\s*(?:{_DOTS}|point)|\b{_DOTS}\b|"
                rf"(?:\.[\w-]+)*\.{_DOMAIN_END})))\s*", re.IGNORECASE)
EMAIL_CUE = re.compile(rf"@|\b{_ATS}\b|\b{_DOTS}\b|chez|klammeraffe|chiocciola|ma[łl]pa",
                       re.IGNORECASE)
DOT = re.compile(rf"\s*(?:[(\[{{<]\s*(?:{_DOTS}|point|\.)\s*[)\]}}>]|\b{_DOTS}\b)\s*", re.IGNORECASE)
DIGIT_RUN = re.compile(r"\+?\d(?:[\s().\-/]{0,2}\d){8,}")
DECIMAL = re.compile(r"\d\.\d{5,}")
DATE_TIME = re.compile(r"(?:19|20)\d\d[-/.]\d\d[-/.]\d\d(?:[ T]\d\d)?")
IPV4ISH = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b")
# Loopback, "this network", netmasks and versions are nobody's address.
NOT_AN_IP = re.compile(r"(?:127|0|255)\.")
VERSION_BEFORE = re.compile(r"(?i:\bv|version|ver\.?|release|build|firmware)\s*$")
IPV6ISH = re.compile(r"\b[0-9a-f]{1,4}(?::[0-9a-f]{0,4}){3,7}\b", re.IGNORECASE)
ID_TOKEN = re.compile(
    r"\b(?:[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,8}(?: ?[A-Z0-9]{1,3})?|[A-Z]{2}\d{2}[A-Z0-9]{11,30}"
    r"|\d{3}-\d{2}-\d{4}|[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]|[XYZ]?\d{7,8}[A-Z]"
    r"|[A-Z]{6}\d{2}[A-Z]\d{2}[A-Z]\d{3}[A-Z]|[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12})\b"
    r"|\b[A-Z]{1,2}\d{6}\s?\(\s?[\dA]\s?\)"  # HKID
)
# A context word, then within a few characters anything with 5+ digits or letters and digits.
ID_CONTEXT = re.compile(
    r"(?:(?i:\b(?:passports?|passeport|pasaporte|passaporto|reisepass|paszport|paspoort|паспорт"
    r"|licen[cs]e|führerschein|permis|rijbewijs|körkort|prawo\s+jazdy|pesel|bsn|burgerservicenummer"
    r"|tfn|tax\s+file|nhs|hkid|personnummer|personnr|samordningsnummer|fødselsnummer|cpr"
    r"|henkilötunnus|steuer[-\s]?id\w*|steuer-?identifikations\w*|idnr|tax\s+id\w*"
    r"|social\s+(?:security|insurance)|assurance\s+sociale|national\s+id\w*|id\s+(?:number|no|card)"
    r"|identity|identification|kimlik|aadhaar|codice\s+fiscale)\b)"
    r"|\b(?:SIN|NAS|SSN|TIN|DNI|NIE|NIF|CNP|NIK|CURP|RUT|CUIL|CUIT|PAN|NRIC|DL|NI|PPSN|INN|ИНН)\b)"
    r"[^\n\d]{0,24}?([A-Z]{0,6}\d[\dA-Z\s./()-]{3,}[\dA-Z)])"
)
STREET_WORDS = (
    "street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|way|place|terrace|square|close|"
    "rue|allée|chemin|impasse|quai|calle|avenida|plaza|paseo|rua|via|viale|piazza|corso|"
    "straße|strasse|str|weg|platz|allee|gasse|laan|straat|gracht|ulitsa|улица|gate|gata|gatan|"
    "vei|veien|vej|gade|caddesi|cad|sokak|sok|bulvarı|ulice|náměstí|třída"
)
STREET_FIRST = (
    "rue|avenue|boulevard|allée|chemin|impasse|quai|calle|avenida|plaza|paseo|rua|via|viale|"
    "piazza|corso|ulitsa|улица|ul\\.|al\\.|ulica|aleja|ulice|jl\\.|jalan|đường|phố|ул\\.|вул\\.|"
    "вулиця|carrer|largo|travessa"
)
ADDRESS = re.compile(
    rf"\b\d{{1,5}}[A-Za-z]?,?\s+(?:[{_UP}][\w'’-]*\s+){{1,4}}(?i:{STREET_WORDS})\b"
    rf"|\b\d{{1,5}}[a-z]?,?\s+(?i:{STREET_FIRST})\s"
    rf"|(?<!et )\b(?i:{STREET_FIRST})\s+(?:[\w'’.-]+\s+){{0,3}}\d{{1,5}}\b"
    r"|\b\w+(?i:straße|strasse|str\.|weg|platz|allee|gasse|gracht|straat|laan|kade|plein|singel"
    r"|dijk|steeg|gatan|gata|vägen|gränd|torget|vej|gade|stræde|veien|vegen|damm)\s*\d"
    r"|\b\w+\s+(?i:straße|strasse|gasse|allee|allé|gate|gata|vei|vej|gade|caddesi|cad\.|sokak|sok\."
    r"|náměstí|třída|nábřeží)\s*(?:No\s*[:.]?\s*)?\d"
    r"|(?i:\bp\.?\s?o\.?\s*box|post\s+office\s+box|postfach|apartado|casilla|caixa\s+postal"
    r"|\bapt\b\.?|apartment|suite)\s*#?\s*\d"
    r"|\b\d{1,3}-\d{1,3}-\d{1,3}\s+(?!Formation)[A-Z][a-z]+|\b[A-Z][a-z]+-(?:ku|shi|cho)\s+\d|chome"
    r"|[都道府県市区町村][\u4e00-\u9fff\u3040-\u30ff]{0,12}[0-9０-９]{1,4}[-−ー－丁番の]"
    r"|\b[A-Z]{1,2}\d[A-Z\d]? ?\d(?!(?:GB|TB|PB)\b)[A-Z]{2}\b"  # UK postcode
)
_LATIN_INTROS = (
    r"my name is|my name's|my name|name is|full name is|call me|i am|i'm|i go by|je m'appelle|"
    r"je suis|mon nom|me llamo|mi nombre|mi chiamo|il mio nome|ich heiße|ich heisse|mein name|"
    r"meu nome|me chamo|chamo-me|mijn naam|my naam|ik heet|nazywam się|nazywam sie|mam na imię|"
    r"mam na imie|tôi tên là|toi ten la|tên tôi là|tên tôi|mình tên|benim adım|benim adim|"
    r"nama saya|nama aku|saya bernama|jag heter|mitt namn|jeg heter|jeg hedder|mit navn|"
    r"mitt navn|mă numesc|ma numesc|numele meu|jmenuji se|jmenuju se|volám sa|a nevem|em dic|"
    r"ako si|jina langu|nimeni on|меня зовут|мене звати|мене звуть|моё имя|мое имя|моє ім'я|"
    r"казвам се|зовем се|με λένε|λέγομαι|ονομάζομαι|το όνομά μου"
)
INTRO = re.compile(rf"\b(?:{_LATIN_INTROS})(?:\s*:\s*|\s+)(\w+)", re.IGNORECASE)
# Scripts written without capitals or spaces: the phrase, then any letter.
SCRIPT_INTRO = re.compile(
    r"(?:[اإأ]سمي|اسم من|نام من|میرا نام|קוראים לי|שמי(?![\u05d0-\u05ea])|השם שלי|मेरा नाम"
    r"|मेरी नाम|ฉันชื่อ|ผมชื่อ|ดิฉันชื่อ|หนูชื่อ|เราชื่อ|ชื่อของ(?:ฉัน|ผม)|と申します|といいます)"
    r"\s*\S"
)
# A capitalized word after a sign-off, greeting or header: flagged unless ordinary.
AFTER = re.compile(
    r"(?i:\b(regards|thanks|thank you|cheers|sincerely|best|best wishes|love|signed|yours|dear"
    r"|from:|name:|author:|written by|sent by|respectfully|cordialement|saludos|atentamente"
    r"|saluti|grüße|groet|groetjes|pozdrawiam|hälsningar|hilsen|с уважением|hi|hello|hey"
    r"|hola|ciao|hallo|bonjour|salut|adım))([ \t]*[,.:!;]?\s*)"
    rf"([{_UP}][\w'’-]+)"
)
# A name signed after a dash on its own line: "— Jane Doe".
DASH_SIGNED = re.compile(rf"(?:^|\n)[ \t]*(?:—|–|--)[ \t]*[{_UP}][\w'’-]+")
CAPITAL_PAIR = re.compile(
    rf"(?=\b([{_UP}][\w'’-]+)[ \t]+(?:{PARTICLES}[ \t]+){{0,3}}"
    rf"((?:(?:al|el|bin|ibn|abu|ben)-)?[{_UP}][\w'’-]+)\b)")
TITLED = re.compile(r"\b(?:Mr|Mrs|Ms|Mx|Miss|Dr|Prof|Mme|Mlle|Herr|Frau|Sr|Sra|Sir|Dame|Pani)\.?\s+"
                    rf"[{_UP}][\w'’-]+")
CJK_INTRO = re.compile(
    r"(?:我叫|我的名字|私の名前は?|제\s?이름은?|이름은|저는)\s*[\u4e00-\u9fff\u3040-\u30ff\uac00-\ud7af]"
)
# Words that follow "I am"/"I'm" in ordinary text; anything else after an intro is flagged.
NOT_NAMES = words("""
a an the not so very just also sorry happy sure here there still from in on at back new trying
going working looking writing building learning using getting done ready glad afraid tired
hungry confused interested curious aware able unable fine good okay ok currently really now
using stuck wondering planning thinking redacted when if later tomorrow maybe anytime
""")
# Second words that make a capitalized pair a thing, not a person ("Julia Set", "Victoria Falls").
NOT_SURNAMES = words("""
set falls street road avenue station park university college school bridge river lake island
theorem law effect day prize award
""")
# Capitalized words after a sign-off or greeting that are not names.
ORDINARY = NOT_NAMES | words("""
i you we they it this that all everyone everybody team guys folks again world there sir madam
customer friend friends colleagues diary reader python java google chatgpt gpt claude gemini
regards wishes great perfect awesome nice excellent bye hi hello hey thanks thank please yes
no the my your our mr mrs ms dr prof professor for in run build test tests install deploy setup
lint check update
""")
_SALUTE = frozenset({"hi", "hello", "hey", "hola", "ciao", "hallo", "bonjour", "salut"})
_GREETING = frozenset({"dear", "from:", "name:", "author:", "written by", "sent by", "adım"})


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


def _fold(word: str) -> str:
    word = word.lower().replace("ł", "l").replace("ø", "o").replace("ı", "i").replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def _given(word: str) -> bool:
    lower = word.lower()
    return lower in GIVEN_NAMES or _fold(lower.split("-")[0]) in GIVEN_NAMES


def _surname(word: str) -> bool:
    lower = word.lower()
    return lower in SURNAMES or _fold(lower) in SURNAMES or any(
        _fold(part) in SURNAMES for part in re.split(r"[-']", lower) if len(part) > 2)


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
    if not text.isascii():
        found += [("name", m.group()) for m in SCRIPT_INTRO.finditer(text)]
    for m in INTRO.finditer(text):
        if m.group(1).lower() not in NOT_NAMES:
            found.append(("name", m.group()))
    for m in AFTER.finditer(text):
        said, between, word = m.group(1).lower(), m.group(2), m.group(3)
        # A sign-off closes a line or takes a comma: "best Python library" is not one.
        flagged = _given(word) if said in _SALUTE else (
            said in _GREETING or any(c in between for c in ",:!\n"))
        if flagged and word.lower() not in ORDINARY:
            found.append(("name", m.group()))
    found += [("name", m.group()) for m in DASH_SIGNED.finditer(text)]
    for m in CAPITAL_PAIR.finditer(text):
        if (_given(m.group(1)) or _surname(m.group(2))) and m.group(2).lower() not in NOT_SURNAMES:
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
    found += [("ip", m.group()) for m in IPV4ISH.finditer(text)
              if not NOT_AN_IP.match(m.group())
              and not VERSION_BEFORE.search(text, max(m.start() - 24, 0), m.start())]
    found += [("ip", m.group()) for m in IPV6ISH.finditer(text) if m.group().count(":") >= 3]
    found += [("id", m.group()) for m in ID_TOKEN.finditer(text)]
    found += [("id", m.group()) for m in ID_CONTEXT.finditer(text)
              if sum(c.isdigit() for c in m.group(1)) >= 4]
    found += [("address", m.group()) for m in ADDRESS.finditer(text)]
    return found
