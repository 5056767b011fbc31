import re

import pytest

from battles.providers import (
    DEMO_STYLES,
    ChatMessage,
    ProviderError,
    ProviderSettings,
    TextDelta,
    text_provider_for,
)
from battles.providers.demo_answers import demo_answer
from tests.fakes.streams import CollectedAnswer, collect_answer, user_says

CODE_PROMPT = "How do I write a Python function that removes duplicates from a list?"
COMPARISON_PROMPT = "Compare PostgreSQL vs SQLite for a small web application"
PLAIN_PROMPT = "Why do leaves change colour in autumn?"


def demo(style: str, **params: object) -> ProviderSettings:
    return ProviderSettings(kind="demo_text", params={"style": style, "token_delay": 0, **params})


async def answer(style: str, *turns: str, **params: object) -> CollectedAnswer:
    return await collect_answer(text_provider_for(demo(style, **params)), user_says(*turns))


@pytest.mark.parametrize("style", DEMO_STYLES)
async def test_it_gives_the_same_answer_to_the_same_conversation(style: str):
    first = await answer(style, PLAIN_PROMPT)
    second = await answer(style, PLAIN_PROMPT)

    assert first.events == second.events


@pytest.mark.parametrize("style", DEMO_STYLES)
async def test_it_gives_different_answers_to_different_prompts(style: str):
    prompts = [PLAIN_PROMPT, CODE_PROMPT, COMPARISON_PROMPT, "Explain photosynthesis to a child"]

    texts = {(await answer(style, prompt)).text for prompt in prompts}

    assert len(texts) == len(prompts)


@pytest.mark.parametrize("style", DEMO_STYLES)
async def test_it_streams_word_sized_chunks_and_ends_with_usage(style: str):
    result = await answer(style, PLAIN_PROMPT)

    assert result.events[:-1] == result.deltas
    assert len(result.deltas) >= 5
    assert all(len(delta.text.split()) <= 1 for delta in result.deltas)
    assert result.usage is not None
    assert result.usage.prompt_tokens == len(PLAIN_PROMPT.split())
    assert result.usage.completion_tokens == len(result.text.split())


async def test_its_styles_differ_clearly_in_length_and_structure():
    texts = {style: (await answer(style, PLAIN_PROMPT)).text for style in DEMO_STYLES}
    words = {style: len(text.split()) for style, text in texts.items()}

    assert words["verbose"] > 1.5 * words["expert"]
    assert words["expert"] > 2 * words["concise"]
    assert words["sloppy"] < words["expert"]
    assert "## " in texts["expert"]
    assert not any("## " in texts[style] for style in ("concise", "verbose", "sloppy"))


async def test_its_expert_answers_use_markdown_lists_code_and_tables_where_apt():
    code = (await answer("expert", CODE_PROMPT)).text
    comparison = (await answer("expert", COMPARISON_PROMPT)).text
    plain = (await answer("expert", PLAIN_PROMPT)).text

    assert re.search(r"^(\d+\.|-) ", code, re.MULTILINE)
    assert "```python\n" in code
    assert "| Aspect | Postgresql | Sqlite |" in comparison
    assert re.search(r"^- \*\*", plain, re.MULTILINE)
    assert "```" not in plain
    assert "leaves" in plain or "autumn" in plain or "colour" in plain


async def test_its_expert_picks_the_language_of_the_question():
    text = (await answer("expert", "Write a SQL query that finds duplicate emails")).text

    assert "```sql\n" in text


async def test_it_refers_to_earlier_turns_of_the_conversation():
    text = (
        await answer("expert", "What is a hash table?", "It maps keys to buckets.", PLAIN_PROMPT)
    ).text

    assert "earlier question about" in text
    assert "hash" in text and "table" in text


async def test_its_sloppy_answers_contain_typos_or_are_cut_short():
    prompts = [PLAIN_PROMPT, CODE_PROMPT, COMPARISON_PROMPT, "Explain photosynthesis to a child"]
    texts = [(await answer("sloppy", prompt)).text for prompt in prompts]

    assert any(not text.rstrip().endswith(".") for text in texts)
    assert all(text == text.lower() or "\n" in text for text in texts)


@pytest.mark.parametrize("style", DEMO_STYLES)
async def test_it_never_names_a_model(style: str):
    names = ("gpt", "claude", "llama", "mistral", "gemini", "qwen", "openai", "anthropic", "model")
    for prompt in (PLAIN_PROMPT, CODE_PROMPT, COMPARISON_PROMPT, "hi"):
        text = (await answer(style, prompt)).text.lower()
        assert not any(name in text for name in names)


@pytest.mark.parametrize("fail_after", [0, 3])
async def test_it_fails_after_the_requested_number_of_chunks(fail_after: int):
    provider = text_provider_for(demo("expert", fail_after=fail_after))
    events: list = []

    with pytest.raises(ProviderError) as raised:
        await collect_answer(provider, user_says(PLAIN_PROMPT), into=events)

    assert len(events) == fail_after
    assert all(isinstance(event, TextDelta) for event in events)
    assert str(raised.value) == "The connection closed before the answer finished."


async def test_it_still_fails_when_the_answer_is_shorter_than_fail_after():
    provider = text_provider_for(demo("concise", fail_after=10_000))
    events: list = []

    with pytest.raises(ProviderError):
        await collect_answer(provider, user_says("hi"), into=events)

    assert "".join(event.text for event in events) == demo_answer(
        "concise", [ChatMessage(role="user", content="hi")]
    )


async def test_it_counts_the_system_prompt_as_prompt_tokens():
    settings = ProviderSettings(
        kind="demo_text", params={"token_delay": 0}, system_prompt="Be kind and brief."
    )

    result = await collect_answer(text_provider_for(settings), user_says("hi there"))

    assert result.usage is not None
    assert result.usage.prompt_tokens == 6


def test_it_rejects_an_unknown_style():
    with pytest.raises(ValueError, match="Unknown demo style 'poetic'"):
        text_provider_for(demo("poetic"))


LANGUAGE_PROMPTS = {
    "python": "Write a Python function that counts words in a list",
    "javascript": "Write a JavaScript function that counts words in a list",
    "sql": "Write an SQL query that counts orders per customer",
    "bash": "Write a bash script that counts lines per word",
}


def test_every_code_language_has_a_prompt_here() -> None:
    from battles.providers.demo_code import _CODE

    assert set(_CODE) == set(LANGUAGE_PROMPTS)


@pytest.mark.parametrize("language", sorted(LANGUAGE_PROMPTS))
def test_every_code_template_fills_without_touching_its_literal_braces(language: str) -> None:
    """A template is real code with real braces; only the named placeholders change."""
    from battles.providers.demo_code import _CODE, _code_fill

    for template in _CODE[language]:
        code = _code_fill(template, ident="tally", Ident="Tally", kw="tally")
        assert "{ident}" not in code and "{Ident}" not in code and "{kw}" not in code
        assert "tally" in code.lower()
        assert code.count("{") == template.count("{") - template.count("{ident}") \
            - template.count("{Ident}") - template.count("{kw}")


@pytest.mark.parametrize("language", sorted(LANGUAGE_PROMPTS))
@pytest.mark.parametrize("style", ["expert", "concise", "verbose"])
def test_it_answers_code_prompts_in_every_language_with_every_template(
    language: str, style: str
) -> None:
    # Vary the conversation so the seeded choice reaches each template of the language.
    for variant in range(12):
        prompt = f"{LANGUAGE_PROMPTS[language]} (try {variant})"
        text = demo_answer(style, [ChatMessage(role="user", content=prompt)])
        assert f"```{language}\n" in text


async def test_a_javascript_prompt_streams_a_whole_answer_on_every_side():
    """The demo contenders once failed on any JavaScript prompt (KeyError from str.format)."""
    for style in ("expert", "concise", "verbose"):
        collected = await answer(style, "How do I debug this JavaScript array code?")
        assert "```javascript\n" in collected.text
        assert "Map { 'a' => 2, 'b' => 1 }" in collected.text
