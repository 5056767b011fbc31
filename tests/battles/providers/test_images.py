"""Image providers: the OpenAI-compatible images API against a real local server, and the
offline demo generator; and the cleaning every image goes through before it is stored."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from battles.media import image_clean
from battles.media_formats import ImageFormat
from battles.providers import ProviderError, ProviderSettings
from battles.providers.images_demo import IMAGE_STYLES
from battles.providers.media_base import MediaResult, Progress
from battles.providers.registry import image_provider_for
from tests.fakes.fixtures import fake_media_fixture  # noqa: F401
from tests.fakes.media_server import FakeMediaServer


def _settings(server: FakeMediaServer, model: str, **params: Any) -> ProviderSettings:
    return ProviderSettings(kind="openai_images", endpoint=server.base_url + "/v1", model_id=model,
                            api_key="sk-test", params=params, read_timeout=2, total_timeout=5)


async def _generate(settings: ProviderSettings, prompt: str = "a red fox") -> list[Any]:
    provider = image_provider_for(settings)
    return [event async for event in provider.generate_image(prompt, width=256, height=192)]


@pytest.mark.parametrize("model", ["fake-image-b64", "fake-image-url", "fake-image-wrong-size"])
async def test_it_returns_image_bytes(fake_media: FakeMediaServer, model: str) -> None:
    events = await _generate(_settings(fake_media, model))
    assert isinstance(events[0], Progress)
    result = events[-1]
    assert isinstance(result, MediaResult)
    assert Image.open(io.BytesIO(result.data)).format == "PNG"


async def test_it_sends_the_openai_request_shape(fake_media: FakeMediaServer) -> None:
    await _generate(_settings(fake_media, "fake-image-b64", quality="hd"), prompt="unique-owl")
    request = next(r for r in reversed(fake_media.requests_to("/v1/images/generations"))
                   if r.json["prompt"] == "unique-owl")
    assert request.json == {"model": "fake-image-b64", "prompt": "unique-owl", "n": 1,
                            "size": "256x192", "response_format": "b64_json", "quality": "hd"}
    assert request.headers["authorization"] == "Bearer sk-test"


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ("fake-image-error-500", "HTTP 500"),
        ("fake-image-error-429", "HTTP 429"),
        ("fake-image-bad-b64", "not valid base64"),
        ("fake-image-malformed", "malformed"),
    ],
)
async def test_it_turns_failures_into_anonymous_errors(
    fake_media: FakeMediaServer, model: str, message: str
) -> None:
    with pytest.raises(ProviderError) as caught:
        await _generate(_settings(fake_media, model))
    assert message in str(caught.value)
    assert model not in str(caught.value)
    assert "127.0.0.1" not in str(caught.value)


async def test_it_reports_an_unreachable_server() -> None:
    settings = ProviderSettings(kind="openai_images", endpoint="http://127.0.0.1:9/v1",
                                model_id="m", connect_timeout=1)
    with pytest.raises(ProviderError, match="could not be reached"):
        await _generate(settings)


async def test_it_refuses_corrupt_bytes_when_cleaning(fake_media: FakeMediaServer) -> None:
    result = (await _generate(_settings(fake_media, "fake-image-corrupt")))[-1]
    with pytest.raises(ProviderError, match="corrupt"):
        image_clean(result.data, target=ImageFormat(256, 192))


async def test_cleaning_strips_metadata_and_fits_the_size(fake_media: FakeMediaServer) -> None:
    result = (await _generate(_settings(fake_media, "fake-image-wrong-size")))[-1]
    assert b"SecretDiffusion" in result.data
    clean = image_clean(result.data, target=ImageFormat(256, 192))
    assert b"SecretDiffusion" not in clean.data and b"fake-image" not in clean.data
    image = Image.open(io.BytesIO(clean.data))
    assert image.size == (256, 192)
    assert not image.info.get("exif") and "parameters" not in image.info
    assert not image.getexif()


@pytest.mark.parametrize("style", IMAGE_STYLES)
async def test_the_demo_draws_every_style(style: str) -> None:
    settings = ProviderSettings(kind="demo_image", params={"style": style, "step_delay": 0})
    events = await _generate(settings, prompt="a blue ocean at sunset")
    assert sum(isinstance(e, Progress) for e in events) >= 2
    clean = image_clean(events[-1].data, target=ImageFormat(256, 192))
    assert clean.width == 256


async def test_the_demo_styles_differ_in_detail() -> None:
    """Quality levels should be visibly different: count distinct colours as a proxy."""
    colours = {}
    for style in IMAGE_STYLES:
        settings = ProviderSettings(kind="demo_image", params={"style": style, "step_delay": 0})
        data = (await _generate(settings, prompt="green forest under a night sky"))[-1].data
        colours[style] = len(Image.open(io.BytesIO(data)).convert("RGB").getcolors(1 << 24) or [])
    assert colours["painterly"] > colours["flat"]
    assert colours["blocky"] < colours["painterly"]


def test_the_demo_refuses_an_unknown_style() -> None:
    with pytest.raises(ValueError, match="style"):
        image_provider_for(ProviderSettings(kind="demo_image", params={"style": "cubist"}))
