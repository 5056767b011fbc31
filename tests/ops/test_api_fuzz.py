"""The JSON API fuzzed from its own OpenAPI schema: whatever arrives, no 500s.

Bounded: a couple of dozen examples per operation, against the real PostgreSQL.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.core import NOT_SET

from tests.factories import annotator_create, battle_ready, client_for

schema = schemathesis.openapi.from_wsgi("/api/schema", get_wsgi_application())


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_it_never_answers_500(case: schemathesis.Case) -> None:
    annotator = annotator_create()
    battle = battle_ready(annotator=annotator)
    if case.path_parameters and "battle_id" in case.path_parameters:
        case.path_parameters["battle_id"] = str(battle.id)  # a real one, half of the time
    # Through Django's test client, inside the test's transaction (a WSGI call would close
    # the test's database connection when the request finishes).
    client = client_for(annotator)
    body: str | bytes = "" if case.body is NOT_SET else (
        case.body if isinstance(case.body, bytes) else json.dumps(case.body)
    )
    response = client.generic(
        case.method, case.formatted_path, body, content_type="application/json",
        QUERY_STRING=urlencode(case.query or {}, doseq=True),
    )
    assert response.status_code < 500, (case.method, case.formatted_path, repr(body[:200]))
