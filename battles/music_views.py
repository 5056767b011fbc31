"""The music page's two extra calls: listening reports and post-vote feedback (JSON, CSRF)."""

from __future__ import annotations

import json
import uuid

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_POST

from battles.listening import feedback_submit, listen_record
from battles.services.errors import ArenaError

MAX_BODY_BYTES = 32 * 1024


def _body(request: HttpRequest) -> dict[str, object]:
    if len(request.body) > MAX_BODY_BYTES:
        raise ArenaError("That report is too large.", code="too_large")
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        raise ArenaError("The request is not valid JSON.", code="malformed") from None
    if not isinstance(body, dict):
        raise ArenaError("Send a JSON object.", code="malformed")
    return body


def _error(error: ArenaError) -> JsonResponse:
    return JsonResponse({"code": error.code, "message": error.message}, status=error.status)


@require_POST
def battle_listen(request: HttpRequest, battle_id: uuid.UUID) -> JsonResponse:
    try:
        state = listen_record(battle_id=battle_id, annotator=request.annotator,  # type: ignore[attr-defined]
                              events=_body(request).get("events"))
    except ArenaError as error:
        return _error(error)
    return JsonResponse(dict(state))


@require_POST
def battle_feedback(request: HttpRequest, battle_id: uuid.UUID) -> JsonResponse:
    try:
        feedback_submit(battle_id=battle_id, annotator=request.annotator,  # type: ignore[attr-defined]
                        text=_body(request).get("text"))
    except ArenaError as error:
        return _error(error)
    return JsonResponse({"saved": True})
