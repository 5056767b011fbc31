"""Reference images for modalities that accept one: uploaded, re-encoded, stored under a random
name, handed back as a signed token bound to the annotator and arena, and carried by `start`
into the turn's request; bad input gets a clear error and changes nothing."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from django.core import signing
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from battles.errors import ArenaError
from battles.modalities import modalities
from battles.models import Arena, Battle, Turn
from battles.reference_images import (
    REFERENCE_DIR,
    reference_image_read,
    reference_image_store,
    reference_image_verify,
)
from battles.services import battle_start
from tests.factories import annotator_create, arena_create, client_for, contender_create

pytestmark = pytest.mark.django_db


def _png(size: tuple[int, int] = (40, 30), **info: Any) -> bytes:
    buffer = io.BytesIO()
    image = Image.new("RGB", size, (200, 30, 30))
    image.save(buffer, format="PNG", pnginfo=_text(info))
    return buffer.getvalue()


def _text(info: dict[str, Any]) -> Any:
    from PIL.PngImagePlugin import PngInfo
    chunk = PngInfo()
    for key, value in info.items():
        chunk.add_text(key, str(value))
    return chunk


def _echo_route(prompt: str, settings: Any, image_ref: str | None) -> dict[str, Any]:
    return {"image": image_ref} if image_ref else {}


@pytest.fixture
def accepting(monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Any) -> Iterator[Arena]:
    """A text arena whose spec, for this test only, takes an image and stores it on the turn."""
    settings.MEDIA_ROOT = str(tmp_path)
    spec = modalities()["text"]
    monkeypatch.setitem(modalities(), "text",
                        replace(spec, accepts_image=True, route=_echo_route))
    arena = arena_create(slug="sculpt")
    contender_create(arena=arena)
    contender_create(arena=arena)
    yield arena


def _upload(client: Any, slug: str, data: bytes, name: str = "ref.png") -> Any:
    return client.post(f"/a/{slug}/reference-image",
                       {"image": SimpleUploadedFile(name, data, content_type="image/png")})


def test_it_re_encodes_the_upload_and_returns_a_token_start_accepts(accepting: Arena) -> None:
    alice = annotator_create()
    response = _upload(client_for(alice), accepting.slug, _png(Software="Secret Cam 9"))
    assert response.status_code == 200, response.content
    token = response.json()["image"]
    assert "reference-images" not in token  # the storage name travels signed and compressed

    started = battle_start(arena=accepting, annotator=alice, prompt="a red chair", image=token)
    name = Turn.objects.get(id=started.turn.id).request["image"]
    assert name.startswith(f"{REFERENCE_DIR}/") and name.endswith(".png")
    stored = reference_image_read(name)
    with Image.open(io.BytesIO(stored)) as image:
        assert (image.format, image.size, image.mode) == ("PNG", (512, 512), "RGB")
        assert "Software" not in image.info
    assert b"Secret Cam" not in stored


@pytest.mark.parametrize(("data", "code", "status"), [
    (b"", "image_missing", 400),
    (b"not an image at all", "image_invalid", 400),
])
def test_it_refuses_bad_uploads_and_stores_nothing(
    accepting: Arena, data: bytes, code: str, status: int, tmp_path: Any
) -> None:
    response = _upload(client_for(annotator_create()), accepting.slug, data)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert not (tmp_path / REFERENCE_DIR).exists()


def test_it_asks_for_consent_before_an_upload(accepting: Arena) -> None:
    response = _upload(client_for(annotator_create(consented=False)), accepting.slug, _png())
    assert (response.status_code, response.json()["code"]) == (403, "consent_required")


def test_an_arena_without_images_refuses_the_upload_and_the_token() -> None:
    arena = arena_create(slug="plain")
    alice = annotator_create()
    response = _upload(client_for(alice), arena.slug, _png())
    assert (response.status_code, response.json()["code"]) == (400, "image_unsupported")
    with pytest.raises(ArenaError) as error:
        battle_start(arena=arena, annotator=alice, prompt="hi", image="anything")
    assert error.value.code == "image_unsupported"
    assert not Battle.objects.exists()


def test_a_foreign_forged_or_expired_token_is_refused(
    accepting: Arena, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, bob = annotator_create(), annotator_create()
    token = reference_image_store(data=_png(), arena_slug=accepting.slug, annotator_id=alice.id)
    name = reference_image_verify(token=token, arena_slug=accepting.slug, annotator_id=alice.id)
    assert default_storage.exists(name)

    cases = [
        (bob, token, "image_token_invalid"),
        (alice, token[:-3] + "xyz", "image_token_invalid"),
        (alice, {"n": name}, "image_token_invalid"),
    ]
    for who, given, code in cases:
        with pytest.raises(ArenaError) as error:
            battle_start(arena=accepting, annotator=who, prompt="a cup", image=given)
        assert error.value.code == code
    with pytest.raises(ArenaError) as error:
        reference_image_verify(token=token, arena_slug="elsewhere", annotator_id=alice.id)
    assert error.value.code == "image_token_invalid"

    monkeypatch.setattr("battles.reference_images.TOKEN_MAX_AGE_S", -1)
    with pytest.raises(ArenaError) as error:
        battle_start(arena=accepting, annotator=alice, prompt="a cup", image=token)
    assert error.value.code == "image_token_expired"
    assert not Battle.objects.exists()


def test_a_signed_token_naming_a_file_outside_the_folder_is_not_read() -> None:
    forged = signing.dumps({"n": "../../etc/passwd", "a": "1", "r": "x"},
                           salt="battles.reference-image")
    with pytest.raises(ArenaError):
        reference_image_verify(token=forged, arena_slug="x", annotator_id=1)


def test_the_page_offers_a_file_input_only_where_the_modality_takes_images(
    accepting: Arena,
) -> None:
    alice = annotator_create()
    plain = arena_create(slug="plain-page", modality="image")
    assert 'id="reference-image"' in client_for(alice).get(f"/a/{accepting.slug}/").content.decode()
    assert 'id="reference-image"' not in client_for(alice).get(f"/a/{plain.slug}/").content.decode()
