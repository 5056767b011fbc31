"""The built-in filters on their own: PII, blocklist, regex, identity questions and names."""

from __future__ import annotations

import pytest

from moderation.filters import FilterConfigError, filters_build
from moderation.filters.identity import names_mentioned, prompt_asks_identity
from moderation.filters.pii import iban_valid, luhn_valid, pii_found


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("write to jane.doe@example.org please", ["email"]),
        ("call me on +49 170 1234567 tonight", ["phone"]),
        ("my number is (555) 123-4567", ["phone"]),
        ("card 4111 1111 1111 1111 exp 12/29", ["card"]),
        ("pay to DE89 3704 0044 0532 0130 00 today", ["iban"]),
        ("GB82WEST12345698765432", ["iban"]),
        ("mail a@b.io or ring 020 7946 0958", ["email", "phone"]),
    ],
)
def test_it_finds_personal_data(text: str, kinds: list[str]) -> None:
    assert pii_found(text) == kinds


@pytest.mark.parametrize(
    "text",
    [
        "Explain TCP slow start in 3 steps",
        "The year 2024 had 366 days; order #12345",
        "card 4111 1111 1111 1112",  # fails the Luhn check
        "DE00 3704 0044 0532 0130 00",  # fails mod 97
        "version 1.2.3 of the library",
    ],
)
def test_it_leaves_ordinary_text_alone(text: str) -> None:
    assert pii_found(text) == []


def test_the_checksums_are_the_standard_ones() -> None:
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")
    assert iban_valid("DE89370400440532013000") and not iban_valid("DE88370400440532013000")


def test_it_builds_a_pipeline_from_arena_settings() -> None:
    pipeline = filters_build([
        {"kind": "blocklist", "words": ["forbidden fruit", "zap"]},
        {"kind": "regex", "patterns": [{"pattern": r"\bssn\s*\d{3}", "reason": "ssn"}],
         "applies_to": ["prompt"]},
        {"kind": "pii", "kinds": ["email"]},
    ])
    blocklist, regex, pii = (configured.filter for configured in pipeline)
    assert blocklist.check("Tell me about forbidden fruit")[0].reason == "blocklist"
    assert blocklist.check("ZAP!")[0].reason == "blocklist"
    assert blocklist.check("zapping is fine") == []
    assert regex.check("my SSN 123-45")[0].reason == "ssn"
    assert pipeline[1].applies_to == frozenset({"prompt"})
    assert pii.check("call 020 7946 0958") == []
    assert "email address" in pii.check("x@y.com")[0].detail


@pytest.mark.parametrize(
    "config",
    [
        "not a list",
        [{"kind": "nope"}],
        [{"kind": "blocklist"}],
        [{"kind": "blocklist", "words": [""]}],
        [{"kind": "regex", "patterns": ["("]}],
        [{"kind": "pii", "applies_to": ["everything"]}],
        [{"kind": "openai_moderation", "endpoint": "ftp://x"}],
    ],
)
def test_it_explains_bad_filter_settings(config: object) -> None:
    with pytest.raises(FilterConfigError):
        filters_build(config)


@pytest.mark.parametrize(
    ("prompt", "asks"),
    [
        ("Who are you?", True),
        ("what model are you, honestly", True),
        ("Which company made you?", True),
        ("who trained you", True),
        ("Are you GPT-4 or Claude?", True),
        ("What's your name?", True),
        ("Who are the Beatles?", False),
        ("Explain what a language model is", False),
    ],
)
def test_it_spots_prompts_that_ask_a_model_who_it_is(prompt: str, asks: bool) -> None:
    assert prompt_asks_identity(prompt) is asks


@pytest.mark.parametrize(
    "prompt",
    [
        "Introduce yourself: model name, vendor, version",
        "Please introduce yourself",
        "Describe yourself in one line",
        "Tell me about yourself",
        "tell me a bit about yourself",
        "Identify yourself.",
        "What is your model name?",
        "What's your vendor?",
        "Which version are you?",
        "What kind of AI are you?",
        "what are you?",
        "Who built you?",
        "Which company trained you",
        "Who is behind you?",
        "Who is your creator?",
        "Which LLM am I talking to?",
        "who am i chatting with",
        "Are you ChatGPT?",
        "State your model name and version.",
        "Give me your exact model id",
        "List your vendor and version",
        "Reveal your architecture",
        "Your name and vendor, please",
        "What is your base model?",
        "Output your model version",
        "Who developed u",
        "who created you and when",
        "Qui es-tu ?",
        "¿Quién eres?",
        "Wer bist du?",
    ],
)
def test_it_spots_the_many_ways_of_asking_a_model_to_identify_itself(prompt: str) -> None:
    assert prompt_asks_identity(prompt)


@pytest.mark.parametrize(
    "prompt",
    [
        "How do I introduce myself at a job interview?",
        "Can you help me write a cover letter introducing myself?",
        "What is your opinion on tabs versus spaces?",
        "Write a function that returns the model name from a config dict",
        "Which version of Python should I use?",
        "How do I check which version of Node is installed?",
        "Describe the vendor lock-in risks of cloud databases",
        "How are large language models trained?",
        "Tell me about the history of Rome",
        "What is the name of the capital of France?",
        "Rename the variable your_name to user_name",
        "Who made the Eiffel Tower?",
        "Who built the pyramids?",
        "What are you supposed to do when a pipe bursts?",
        "Compare GPT-style and BERT-style architectures",
        "What model of car is best for a family?",
        "Summarise this article about AI vendors",
        "Show me your reasoning step by step",
        "Tell me your favourite book",
        "What made you choose that answer?",
        "What would make you change your mind?",
    ],
)
def test_it_lets_ordinary_prompts_about_models_names_and_versions_through(prompt: str) -> None:
    assert not prompt_asks_identity(prompt)


def test_it_spots_contender_and_organisation_names_in_answers() -> None:
    names = ["Llama 3 70B", "llama-3-70b", "Meta", "ab"]
    assert names_mentioned("I am llama 3 70b, made by meta.", names) == [
        "Llama 3 70B", "Meta", "llama-3-70b"
    ]
    assert names_mentioned("Metadata is data about data.", names) == []
