"""Names: titles, full names that start with a common given name, and (from `intros`)
self-introductions, greetings and sign-offs in many languages and scripts.

A name is masked whole: every detector only finds where a name *starts*, and `NAME_RUN` then
takes the whole run of name words from there (O'Brien, D’Angelo, Jean-Luc, Smith-Jones,
al-Rashid, and lower-case particles inside a name: de Vries, van der Berg, da Silva, bin Salman),
so a redaction never leaves "Brien" or "Vries" behind.

Word lists are deliberately free of ordinary words (no "Will", "May", "Max", "Grace", "Rose",
"Mark") so that headings and code do not read as people.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

from moderation.pii.cues import Cue


def words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _class(ranges: Iterable[tuple[int, int]], keep: Callable[[str], bool]) -> str:
    """The body of a regex character class: the characters of `ranges` that `keep`, as ranges."""
    chars = [chr(c) for low, high in ranges for c in range(low, high + 1) if keep(chr(c))]
    body, i = [], 0
    while i < len(chars):
        j = i
        while j + 1 < len(chars) and ord(chars[j + 1]) == ord(chars[j]) + 1:
            j += 1
        body.append(chars[i] if i == j else f"{chars[i]}-{chars[j]}")
        i = j + 1
    return "".join(body)


# Latin (with Vietnamese, Polish, Turkish, Czech letters), Greek and Cyrillic (with Ukrainian).
_SCRIPTS = ((0x41, 0x24F), (0x370, 0x3FF), (0x400, 0x4FF), (0x1E00, 0x1EFF))
UPPER = _class(_SCRIPTS, lambda c: c.isalpha() and c.isupper())
LOWER = _class(_SCRIPTS, lambda c: c.isalpha() and not c.isupper()) + "\u0300-\u036f"
LETTER = UPPER + LOWER
APOSTROPHES = "'’ʼ"

# Given names common in English, French, Spanish, German, Italian, Portuguese, Dutch and
# Nordic usage, and across Africa, South, East and Southeast Asia, the Middle East, Eastern
# Europe and Latin America (Vietnamese, Chinese and Japanese family names that come first too).
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
victoria vladimir wei wolfgang xavier yuki yusuf zhang zoe
william tom anthony steve mike nick dan chris kate katie lucy sophia mia ava isabelle megan
amy heather kelly ella abigail brandon tyler justin kyle logan owen dylan connor sean ian colin
gary jeff greg craig keith larry terry jerry bruce roger kenneth stephen harold walter arthur
fred ralph eugene louis philip russell judith janet joan evelyn cheryl kathleen ann nancy betty
sharon donna carol ruth debra danielle tiffany natalie diane joanne ingrid astrid freya lars
anders nils johan karin sigrid bjorn magnus henrik mikkel soren jens mette kristian sanne daan
lieke femke bram joost pieter willem maarten thijs jeroen sander niels wouter anouk marieke
mathieu julien guillaume camille manon ines louise jules theo etienne amelie elodie celine
aurelie sebastien jerome thierry olivier francoise jurgen uwe dieter helmut gunter matthias
tobias florian jonas lena leonie katrin sabine ursula heike birgit petra alessandro lorenzo
francesco riccardo federico davide simone chiara alessia giorgia elisa federica silvia paolo
luca gianluca salvatore vincenzo raquel marta cristina pilar rocio nuria jordi tiago goncalo
leonor matilde duarte rui bruno marcos thiago larissa leticia juliana bruna fernanda
kwame kofi kojo kwaku akosua abena adwoa efua chidi chinedu chioma chiamaka chinwe ngozi emeka
obinna ikenna uchenna nnamdi adaeze amara oluwaseun olumide ayodele adebayo adewale babajide
tunde temitope funmilayo folake yetunde ifeoma nkechi kelechi amaka oluchi wanjiru wambui
kamau njeri otieno achieng akinyi omondi mwangi baraka zawadi amani neema thabo sipho
themba lerato nomvula thandiwe zanele bongani sibusiso mandla kagiso palesa tendai farai chipo
tesfaye abebe yohannes dawit aminata fatoumata mamadou moussa ousmane ibrahima abdoulaye
aissatou seydou
aarav vivaan aditya rohan priyanka ananya aishwarya deepika pooja neha sneha kavya divya shreya
anjali sunita anita meera ravi vijay sanjay suresh ramesh mahesh rajesh dinesh
vikram amit anil sunil manoj ashok arun karan nikhil varun rohit siddharth abhishek akshay
vivek gaurav kiran sachin ajay deepak sandeep pradeep prakash naveen venkat srinivas nisha
rekha swati pallavi shruti tanvi riya aarti jyoti manisha imran faisal farhan hamza bilal
usman zainab ayesha sana hina nadia saima rizwan arif asif tahir nasir sohail shahid rashid
kamal hasan hussain abdullah mustafa tariq rahim karim anwar jamal
jie hao jing ying xiaoming xiaoling jiayi zihan haoran yuxuan zhiwei weiwei
qiang liu wang huang zhao zhou guo haruto yuto sota riku hinata yui yuna kaito daiki
kenta shota takumi naoki ryota kazuki yusuke daisuke hiroki satoshi tomoko keiko yoko akiko
naoko yumiko kaori megumi ayumi haruka misaki nanami asuka hideo masato makoto kazuo tetsuya
koji shinji taro ichiro tanaka watanabe takahashi yamamoto nakamura kobayashi yoshida yamada
sasaki matsumoto inoue kimura minjun seojun jiho hajun doyun jiwoo seoyeon jiyeon minji soyeon
jisoo jimin ji-hoon min-jun seo-yeon ji-woo hye-jin sung-min young-ho kim lee minh linh hoa
tuan thanh trang huong quang khanh phuong ngoc hieu nguyen tran pham hoang huynh phan bui
duong trinh
ahmad mohamed mahmoud mostafa hussein khalid khaled ismail ismael abdel abdelrahman rami sami
kareem tarek walid waleed nabil fadi ziad samir faris fares majid bashar adel hani osama saeed
salim saleh yasin yassin yasmin yasmine layla laila nour noor mariam maryam huda hiba rania
salma amal reza mohammad hossein mehdi arash dariush babak kaveh navid farid parisa shirin
niloufar zahra fatemeh ahmet huseyin osman murat emre burak cem serkan hakan oguz ozan volkan
tolga kerem arda elif zeynep ayse fatma emine hatice merve busra esra ozlem selin ebru gizem
derya yosef moshe avi yael noa tamar shira ori eitan itai
piotr pawel krzysztof tomasz marek michal jakub kacper mateusz lukasz wojciech grzegorz
andrzej stanislaw kasia katarzyna malgorzata agnieszka magdalena joanna monika ewa aleksandra
zofia zuzanna dorota beata jiri petr pavel jaroslav tomas lucie tereza veronika katerina dmitry
alexey aleksei nikolai nikolay mikhail yuri oleg boris anastasia tatiana tatyana svetlana irina
ekaterina yekaterina ksenia oksana daria darya yulia yuliya lyudmila galina taras bohdan
oleksandr oleksii mykola volodymyr andriy dmytro yaroslav vasyl mihai ioana alexandru florin
cristian gheorghe vasile laszlo zoltan istvan gabor ferenc balazs zsofia katalin eszter
nikola dragan goran zoran milica jelena ivana marija dejan nemanja georgios giorgos
konstantinos dimitris dimitrios nikos yannis ioannis eleni athanasios vasilis christos
mateo matias emiliano joaquin ignacio agustin lautaro gonzalo alvaro raul enrique esteban
guillermo manuel rafael julio hector arturo alberto adriana alejandra veronica monica
camila valeria mariana gabriela ximena renata luciana martina catalina marisol yolanda
graciela josefina andres eduardo ricardo rodrigo gustavo leonardo
иван мария анна дмитрий сергей ольга елена алексей наталья андрей александр михаил николай
татьяна светлана ирина екатерина олена олег тарас богдан андрій дмитро олександр юлия
анастасия павел петр
bob joe jim sam ben jack tim femi kunle segun tobi kemi nneka ebuka chukwuemeka ifeanyi
uche lindiwe nomsa fatou harpreet gurpreet manpreet simran arvind anand mohan geeta sanjana
rupa tanvir nusrat farzana rafiq haruki aiko emiko chihiro takashi hiroko farah samira dalia
katya sasha misha dasha anya tanya kateryna iryna yevhen serhii maksym emilio lupe paola
yesenia itzel oluwadamilare oluwatobi oluwafemi olamide damilola ayomide adaora chinonso
""")

TITLES = (r"(?:Mr|Mrs|Ms|Mx|Miss|Dr|Dra|Prof|Professor|Mme|Mlle|M|Madame|Monsieur|Sr|Sra|Srta"
          r"|Señor|Señora|Herr|Frau|Sig|Signor|Signora|Dott|Sir|Dame|Pani)\.?")
# Every title contains one of these (case as written): a text with none has no titled name.
TITLE_CUES = ("M", "Dr", "Prof", "Sr", "Herr", "Frau", "Sig", "Dott", "Sir", "Dame", "Señ", "Pani")
# Lower-case words inside a name ("Anna de Vries", "Jan van der Berg", "Omar bin Laden").
PARTICLE = (r"(?:de|del|della|der|den|di|da|das|dos|do|du|van|von|ten|ter|le|la|los|las|bin|ibn"
            r"|bint|ben|al|el|zu|af|av|ap)")
# One name word, whole: "O'Brien", "d’Angelo", "McDonald", "Jean-Luc", "al-Rashid", "Łukasz".
TOKEN = (rf"(?<![{LETTER}{APOSTROPHES}-])"
         rf"(?:[{LETTER}]{{1,4}}[{APOSTROPHES}]|(?:al|el|ul|an|ar|as|ad|az|bin|ibn|abu|ben)-)?"
         rf"[{UPPER}][{LOWER}]+(?:[{UPPER}][{LOWER}]+)?(?:-[{LETTER}][{LOWER}]+)*(?![{LETTER}])")
# From a name's first word, the rest of it: more name words, particles between them, on one line.
NAME_RUN = re.compile(
    rf"(?:{PARTICLE}[ \t]+){{0,3}}{TOKEN}(?:[ \t]+(?:{PARTICLE}[ \t]+){{0,3}}{TOKEN}){{0,3}}")
# Capitalized words that follow "I'm", "Dear", "Thanks," or a given name without being names.
NOT_NAMES = words("""
a an the not so very just also sorry happy sure here there still from in on at back new english
french spanish german italian chinese japanese korean russian american british canadian
australian indian brazilian mexican dutch swiss polish turkish arab arabic muslim christian
jewish catholic vegan vegetarian ok okay fine good glad done ready afraid using trying going
working looking writing building learning studying hungry tired confused monday tuesday
wednesday thursday friday saturday sunday python java linux windows google
january february march april may june july august september october november december
i you he she we they it this that these those my your our their his her its all everyone
everybody anyone someone team guys folks again man mate buddy dude friend friends sir madam
bro bot assistant ai chatgpt gpt claude gemini bard copilot siri alexa llama mistral grok
apple microsoft amazon facebook meta openai anthropic great perfect awesome nice cool excellent
amazing wonderful brilliant bye goodbye hello hi hey have let please yes no thanks thank
regards best kind warm wishes love cheers sincerely yours customer customers colleague
colleagues valued hiring manager diary reader readers editor members parents sirs committee
mom mum dad mother father grandma grandpa sister brother son daughter wife husband baby honey
run build test tests install deploy check setup set get create update upload download add
remove use make start stop lint format publish release cache configure compile push pull merge
sync clean checkout street avenue road lane drive square park university college school
hospital airport station bridge river lake mountain island bay city county state day night
show award prize foundation institute museum church cathedral hotel restaurant cafe bank
company inc ltd group club cup league theorem lemma conjecture equation function algorithm
method model law effect principle paradox distribution transform series number numbers
constant period pooling code language programming falls station mr mrs ms dr prof professor
next then first second third finally however anyway btw actually well oh wow really maybe
student studentin developer engineer doctor teacher nurse lehrer lehrerin arzt ärztin étudiant
étudiante estudiante studente médico profesor professeur médecin ingénieur müde hier neu
important interesting true false none null president minister senator governor mayor king
queen prince princess lord lady pope captain general officer judge chief saint san los las santa
north south east west united hong buenos rio tel america europe africa asia australia china
india japan france germany spain italy england britain canada mexico brazil russia ukraine
poland turkey london paris berlin tokyo york yum kha criterion muslims christians
""")
# Titled names and full names ("Alice Johnson", "Anna de Vries"): a lookahead, so
# "Hello Alice Johnson" is tried at "Alice" too.
# Both start with a literal or a class (no look-behind first), so the regex engine skips ahead
# to a candidate character; the word boundary before the match is checked in Python.
TITLED = re.compile(rf"{TITLES}[ \t]+(?=(?:{PARTICLE}[ \t]+){{0,3}}{TOKEN})")
# A given name starts with a capital (no "O'" or "al-" before it); the second word is any name word.
FULL_NAME = re.compile(
    rf"[{UPPER}](?<![{LETTER}{APOSTROPHES}-][{UPPER}])[{LOWER}]+(?:-[{LETTER}][{LOWER}]+)*"
    rf"(?![{LETTER}])[ \t]+(?:{PARTICLE}[ \t]+){{0,3}}({TOKEN})")
WORDISH = re.compile(r"\w")
TITLE_CUE = Cue(TITLE_CUES)


def _fold(word: str) -> str:
    """Lower case without accents: "José" and "Łukasz" look up as "jose" and "lukasz"."""
    word = word.lower()
    if word.isascii():
        return word
    word = word.replace("ł", "l").replace("ø", "o").replace("ı", "i").replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def is_given_name(word: str) -> bool:
    lower = word.lower()
    return lower in GIVEN_NAMES or _fold(lower) in GIVEN_NAMES or (
        "-" in lower and _fold(lower.split("-")[0]) in GIVEN_NAMES)


def is_name_word(word: str) -> bool:
    """Not an ordinary capitalized word ("Sorry", "Python", "Team")."""
    return _fold(word) not in NOT_NAMES


def whole(text: str, start: int, end: int = 0) -> tuple[int, int]:
    """The span from `start` to the end of the name run starting there (at least to `end`)."""
    run = NAME_RUN.match(text, start)
    return start, max(end, run.end() if run else start)
