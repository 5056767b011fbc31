"""The HTTP 3D job provider against a real local server speaking the job protocol."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest

from battles.media_formats import MeshFormat
from battles.normalize_mesh import mesh_normalize
from battles.providers import ProviderError, ProviderSettings
from battles.providers.media_base import MediaResult, Progress
from battles.providers.threed_registry import threed_provider_for
from tests.fakes.threed_server import OVERSIZED_BYTES, FakeThreeDServer

API_KEY = "sk-3d-secret"


@pytest.fixture(scope="module", name="fake_3d")
def fake_3d_fixture() -> Iterator[FakeThreeDServer]:
    with FakeThreeDServer() as server:
        yield server


def _settings(server: FakeThreeDServer, model: str, **params: Any) -> ProviderSettings:
    return ProviderSettings(kind="http_3d", endpoint=server.base_url + "/", model_id=model,
                            api_key=API_KEY, read_timeout=3, total_timeout=10,
                            params={"poll_interval": 0.01, "poll_max_interval": 0.02,
                                    "seed": 7, **params})


async def _generate(settings: ProviderSettings, prompt: str = "a red chair",
                    image: bytes | None = None) -> list[Any]:
    provider = threed_provider_for(settings)
    return [event async for event in provider.generate_3d(prompt, image=image)]


async def test_it_runs_a_job_and_downloads_the_asset(fake_3d: FakeThreeDServer) -> None:
    events = await _generate(_settings(fake_3d, "fake-3d-normal"))
    assert isinstance(events[0], Progress) and isinstance(events[-1], MediaResult)
    assert b"fake-3d-normal" in events[-1].data  # untrusted bytes, still fingerprinted …
    clean = mesh_normalize(events[-1].data, target=MeshFormat())
    assert b"fake-3d-normal" not in clean and b"SecretGen" not in clean  # … until normalized


async def test_it_sends_the_job_request_with_the_key_and_the_image(
    fake_3d: FakeThreeDServer,
) -> None:
    image = b"\x89PNG pretend image bytes"
    await _generate(_settings(fake_3d, "fake-3d-slow"), prompt="unique-teapot", image=image)
    sent = [r for r in fake_3d.requests_for("fake-3d-slow") if r.method == "POST"]
    body = next(r.json for r in sent if r.json["prompt"] == "unique-teapot")
    assert body == {"model": "fake-3d-slow", "prompt": "unique-teapot", "format": "glb",
                    "seed": 7, "image": base64.b64encode(image).decode()}
    assert all(r.headers["authorization"] == f"Bearer {API_KEY}"
               for r in fake_3d.requests_for("fake-3d-slow"))


async def test_it_reports_progress_while_the_job_runs(fake_3d: FakeThreeDServer) -> None:
    events = await _generate(_settings(fake_3d, "fake-3d-slow"))
    progress = [e for e in events if isinstance(e, Progress)]
    fractions = [p.fraction for p in progress]
    assert fractions == sorted(fractions) and len(set(fractions)) >= 5
    assert {p.stage for p in progress} >= {"queued", "running", "downloading"}
    assert isinstance(events[-1], MediaResult)  # the relative result_url was resolved


async def test_it_keeps_the_key_from_other_hosts(fake_3d: FakeThreeDServer) -> None:
    events = await _generate(_settings(fake_3d, "fake-3d-presigned"))
    assert isinstance(events[-1], MediaResult)
    download = [r for r in fake_3d.requests_for("fake-3d-presigned") if "/results/" in r.path]
    assert download and all("authorization" not in r.headers for r in download)


@pytest.mark.parametrize(("model", "message"), [
    ("fake-3d-failed", "The model's 3D job failed."),
    ("fake-3d-error-500", "The model's server answered HTTP 500."),
    ("fake-3d-malformed", "malformed 3D job response"),
    ("fake-3d-malformed-poll", "malformed 3D job response"),
    ("fake-3d-oversized", "larger than this arena accepts"),
    ("fake-3d-down-poll", "The model's server answered HTTP 503."),
])
async def test_it_fails_with_clear_anonymous_errors(
    fake_3d: FakeThreeDServer, model: str, message: str
) -> None:
    with pytest.raises(ProviderError, match=message) as caught:
        await _generate(_settings(fake_3d, model, max_bytes=OVERSIZED_BYTES // 3))
    for secret in ("fake-3d", "GPU memory", "127.0.0.1", API_KEY):
        assert secret not in str(caught.value)


async def test_it_rides_out_a_few_failed_polls(fake_3d: FakeThreeDServer) -> None:
    events = await _generate(_settings(fake_3d, "fake-3d-flaky-poll"))
    assert isinstance(events[-1], MediaResult)
    polls = [r for r in fake_3d.requests_for("fake-3d-flaky-poll") if r.path.startswith("/jobs/")]
    assert len(polls) >= 3


async def test_a_job_that_never_finishes_times_out(fake_3d: FakeThreeDServer) -> None:
    settings = ProviderSettings(kind="http_3d", endpoint=fake_3d.base_url, model_id="fake-3d-forever",
                                total_timeout=0.3, params={"poll_interval": 0.01})
    with pytest.raises(ProviderError, match="took longer than 0.3 s"):
        await _generate(settings)


async def test_a_corrupt_asset_fails_at_normalization(fake_3d: FakeThreeDServer) -> None:
    events = await _generate(_settings(fake_3d, "fake-3d-corrupt"))
    with pytest.raises(ProviderError, match="corrupt or unreadable 3D file"):
        mesh_normalize(events[-1].data, target=MeshFormat())


async def test_an_unreachable_server_is_reported_without_its_address() -> None:
    settings = ProviderSettings(kind="http_3d", endpoint="http://127.0.0.1:9/", model_id="m",
                                connect_timeout=1, total_timeout=5)
    with pytest.raises(ProviderError, match="could not be reached") as caught:
        await _generate(settings)
    assert "127.0.0.1" not in str(caught.value)
