import pytest

from battles.providers import (
    PROVIDER_KIND_CHOICES,
    DemoTextProvider,
    OpenAIChatProvider,
    ProviderSettings,
    text_provider_for,
)


def test_it_builds_the_provider_for_each_kind():
    assert [kind for kind, _label in PROVIDER_KIND_CHOICES] == ["openai_chat", "demo_text"]
    assert isinstance(text_provider_for(ProviderSettings(kind="openai_chat")), OpenAIChatProvider)
    assert isinstance(text_provider_for(ProviderSettings(kind="demo_text")), DemoTextProvider)


def test_it_rejects_an_unknown_kind():
    with pytest.raises(ValueError, match="Unknown provider kind 'carrier_pigeon'"):
        text_provider_for(ProviderSettings(kind="carrier_pigeon"))
