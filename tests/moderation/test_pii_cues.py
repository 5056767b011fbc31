"""The detector's cheap cues (a digit count, a separator, a title's letters, a street word) only
skip work: with or without them, every text yields the same matches."""

from __future__ import annotations

import random
import re
import re._constants as sre
import re._parser as sre_parse
from typing import Any

import pytest

from moderation.pii import _candidates
from moderation.pii import patterns as p
from tests.moderation.pii_corpus import CLEAN, PERSONAL
from tests.releases.language_corpus import LABELLED, UNLABELLED


def _is_digit_class(items: Any) -> bool:
    def digit_only(op: Any, av: Any) -> bool:
        if op is sre.LITERAL:
            return chr(av).isdigit()
        if op is sre.RANGE:
            return ord("0") <= av[0] and av[1] <= ord("9")
        return op is sre.CATEGORY and av is sre.CATEGORY_DIGIT

    return all(digit_only(op, av) for op, av in items)


def _fewest_digits(parsed: Any) -> int:
    """The fewest characters that must be digits in any match of a parsed pattern."""
    total = 0
    for op, av in parsed:
        if op is sre.LITERAL:
            total += chr(av).isdigit()
        elif op is sre.IN:
            total += _is_digit_class(av)
        elif op is sre.BRANCH:
            total += min(_fewest_digits(branch) for branch in av[1])
        elif op is sre.SUBPATTERN:
            total += _fewest_digits(av[3])
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            total += av[0] * _fewest_digits(av[2])
    return total


def fewest_digits(pattern: re.Pattern[str]) -> int:
    return _fewest_digits(sre_parse.parse(pattern.pattern, pattern.flags))


@pytest.mark.parametrize("least,pattern", [(i.least, i.pattern) for i in p.NATIONAL_IDS])
def test_a_national_id_cue_never_asks_more_digits_than_a_match_holds(
        least: int, pattern: re.Pattern[str]) -> None:
    assert least == fewest_digits(pattern)


def test_the_number_cues_never_ask_more_digits_than_a_match_holds() -> None:
    assert fewest_digits(p.CARD) == p.CARD_MIN_DIGITS
    assert fewest_digits(p.IBAN) == 2
    assert fewest_digits(p.IPV4) == 4
    assert fewest_digits(p.UUID) == 0  # hex: only the "any digit" gate applies


def _texts() -> list[str]:
    rng = random.Random(14)
    alphabet = "0123456789" * 4 + " -.:/()+@," + "AaXQZMDrSt" + "\n"
    words = ["call", "phone", "Street", "rue", "at", "dot", "com", "Mr", "Dr", "Alice", "::",
             "1:2:3:4:5:6:7:8", "10.0.0.1", "DE89 3704", "QQ", "I'm", "my name is", "Straße",
             "Hauptstr.", "Via", "Calle", "Avda.", "C/", "Road", "St", "Parkway", "Bergweg",
             "PESEL", "BSN", "SIN", "NHS", "TFN", "passport", "licence", "HKID", "(7)", "ul. ",
             "Keizersgracht", "P.O. Box", "SW1A 2AA", "Apt", "[ät]", "(arroba)", " punkt ",
             "Signed, ", "Dear ", "name: ", "Jean-Luc", "O'Brien", " de ", "Anna", "Kwame",
             "Thanks,\n", "Ich heiße", "Nazywam się", "Tôi tên là", "اسمي ", "मेरा नाम ",
             "ผมชื่อ", "קוראים לי ", "Με λένε ", "Мене звати ", "1-2-3 ", "区", "850312-"]
    fuzzed = []
    for _ in range(3000):
        parts = [rng.choice(words) if rng.random() < 0.2 else rng.choice(alphabet)
                 for _ in range(rng.randint(3, 40))]
        fuzzed.append("".join(parts))
    prompts = [text for texts in LABELLED.values() for text in texts] + UNLABELLED
    return [text for _kind, text, _needle in PERSONAL] + CLEAN + prompts + fuzzed


def test_the_cues_never_change_what_is_found() -> None:
    for text in _texts():
        assert _candidates(text) == _candidates(text, cues=False), text
