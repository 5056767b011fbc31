"""Every error under /api/ is JSON `{"code", "message"}`, whoever made it (a service, ninja,
Django's URL resolver or body limit), and the schema documents each status an operation can
answer (arena/api.py, arena/api_errors.py)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from django.test import Client

from annotators.models import Annotator
from arena.api import api
from battles.models import Vote
from tests.factories import annotator_create, arena_create, battle_ready, client_for

if TYPE_CHECKING:  # the test client's response type exists only in django-stubs
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice() -> Annotator:
    return annotator_create()


def _assert_error(response: TestResponse, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code and isinstance(body["message"], str) and body["message"]


@pytest.mark.parametrize("battle_id", ["0", "-1", "not-a-uuid"])
def test_a_battle_address_that_is_not_a_uuid_is_a_json_404(
    alice: Annotator, battle_id: str
) -> None:
    client = client_for(alice)
    _assert_error(client.get(f"/api/battles/{battle_id}"), 404, "not_found")
    vote = client.post(f"/api/battles/{battle_id}/vote",
                       {"choice": "a", "idempotency_key": "good-key-1"},
                       content_type="application/json")
    _assert_error(vote, 404, "not_found")


@pytest.mark.parametrize("url", [
    "/api/arenas/nope", "/api/arenas/nope/contenders", "/api/arenas/nope/leaderboard",
    "/api/arenas/nope/leaderboard.csv", "/api/nothing/here", "/api/",
])
def test_unknown_things_are_a_json_404(url: str) -> None:
    _assert_error(Client().get(url), 404, "not_found")


def test_a_wrong_method_is_a_json_405_that_says_what_is_allowed() -> None:
    response = Client().delete("/api/arenas")
    _assert_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET"


def test_a_body_over_the_upload_limit_is_a_json_413_and_stores_nothing(alice: Annotator) -> None:
    battle = battle_ready(annotator=alice)
    payload = {"choice": "a", "idempotency_key": "good-key-1", "rationale": "x" * 2_000_000}
    response = client_for(alice).post(f"/api/battles/{battle.id}/vote", json.dumps(payload),
                                      content_type="application/json")
    _assert_error(response, 413, "body_too_large")
    assert not Vote.objects.exists()


def test_a_body_that_is_not_json_is_a_json_400(alice: Annotator) -> None:
    battle = battle_ready(annotator=alice)
    response = client_for(alice).post(f"/api/battles/{battle.id}/vote", "choice=a",
                                      content_type="application/json")
    _assert_error(response, 400, "malformed")


def test_a_parameter_of_the_wrong_type_is_a_json_422_naming_it() -> None:
    arena_create(slug="text")
    response = Client().get("/api/arenas/text/leaderboard?style_control=null")
    _assert_error(response, 422, "invalid")
    assert response.json()["errors"][0]["loc"][-1] == "style_control"


def test_an_unexpected_failure_is_a_json_500(monkeypatch: pytest.MonkeyPatch) -> None:
    import battles.api

    def broken() -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(battles.api, "arena_list_active", broken)
    response = Client(raise_request_exception=False).get("/api/arenas")
    _assert_error(response, 500, "internal")
    assert b"a bug" not in response.content


def test_the_schema_documents_every_status_an_operation_can_answer() -> None:
    schema = api.get_openapi_schema(path_prefix="/api/")
    components = schema["components"]["schemas"]
    assert {"ErrorOut", "ValidationErrorOut"} <= set(components)
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            label = f"{method.upper()} {path}"
            assert {"400", "500", "503"} <= set(responses), label
            if "{" in path:
                assert "404" in responses, label
            if operation.get("parameters") or "requestBody" in operation:
                assert responses["422"]["content"]["application/json"]["schema"]["$ref"] == (
                    "#/components/schemas/ValidationErrorOut"), label
            if "requestBody" in operation:
                assert "413" in responses, label
            for status, response in responses.items():
                assert response.get("content"), (label, status)
                if status != "200":  # keys are strings, as in the JSON served
                    (content,) = response["content"].values()
                    assert content["schema"]["$ref"].startswith("#/components/schemas/"), (
                        label, status)
    csv = schema["paths"]["/api/arenas/{slug}/leaderboard.csv"]["get"]["responses"]["200"]
    assert list(csv["content"]) == ["text/csv"]
