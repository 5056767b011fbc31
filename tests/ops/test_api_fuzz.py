"""The JSON API fuzzed from its own OpenAPI schema, against a real web server.

schemathesis reads /api/schema from uvicorn (the launcher's web process on a loopback port, on
the test database), generates valid and invalid requests for every operation and checks every
answer with its default checks: no 5xx, a documented status, a documented content type, a body
that fits the documented schema, invalid requests refused and valid ones not. Each call carries
a consenting annotator's cookie and the CSRF token; every other valid one names the real arena
(which has a leaderboard) or a fresh, finished battle of that annotator, so the fuzz reaches
the vote and the leaderboard queries instead of stopping at a 404. Derandomized and bounded:
the same cases on every run.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup
from schemathesis.core.parameters import ParameterLocation
from schemathesis.core.result import Ok
from schemathesis.schemas import APIOperation

from annotators.cookies import annotator_cookie_value
from annotators.models import Annotator
from leaderboard.services import leaderboard_recompute
from tests.factories import annotator_create, arena_create, battle_ready, contender_create
from tests.leaderboard.conftest import votes_cast
from tests.web_server import web_server

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(300)]

EXAMPLES_PER_OPERATION_AND_MODE = 100
CSRF_TOKEN = "fuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzz"  # any 32 letters: cookie and header must match
# The vote's own limits would turn most of its cases into 429s.
NO_VOTE_LIMITS = {name: "0" for name in (
    "ARENA_LIMIT_VOTES_PER_MINUTE", "ARENA_LIMIT_VOTES_PER_IP_PER_MINUTE",
    "ARENA_LIMIT_VOTES_PER_DAY",
)}
CONFIG = SchemathesisConfig.from_dict({
    # About one string in ten (query parameters, body fields) is one of these: NUL is rare
    # in Hypothesis' own text, and it is what PostgreSQL refuses deepest in a request.
    "dictionaries": {"hostile-text": {"values": ["\x00", "text\x00", "a\x00b", "\x00\x00"]}},
    "generation": {"dictionaries": {"string": {"dictionary": "hostile-text",
                                               "probability": 0.1}}},
    # A request the schema allows may still break a rule the schema cannot say (a NUL
    # character, a rationale the arena requires): refused with a documented 400. Any other
    # refusal of valid data (a 422 where ninja and the schema disagree) fails the check.
    "checks": {"positive_data_acceptance": {
        "expected-statuses": ["2xx", "400", "401", "403", "404", "409", "429"],
    }},
})


@dataclass(frozen=True)
class FuzzWorld:
    url: str
    arena_slug: str
    annotator: Annotator


@pytest.fixture
def fuzz_world(tmp_path: Path) -> Iterator[FuzzWorld]:
    """A server, an arena with a computed leaderboard, and a consenting annotator."""
    arena = arena_create(slug="fuzz")
    first, second = contender_create(arena=arena), contender_create(arena=arena)
    voter = annotator_create()
    votes_cast(arena=arena, annotator=voter, a=first, b=second, choice="a", n=6)
    votes_cast(arena=arena, annotator=voter, a=second, b=first, choice="a", n=3)
    leaderboard_recompute(arena_id=arena.id)
    with web_server(log=tmp_path / "web.log", env=NO_VOTE_LIMITS) as url:
        yield FuzzWorld(url=url, arena_slug=arena.slug, annotator=annotator_create())


def _aim_at_real_objects(case: schemathesis.Case, world: FuzzWorld) -> None:
    """Real path parameters: the arena with a leaderboard, a fresh battle ready for a vote."""
    path = case.path_parameters or {}
    if "slug" in path:
        path["slug"] = world.arena_slug
    if "battle_id" in path:
        path["battle_id"] = str(battle_ready(annotator=world.annotator).id)


def _is_valid(case: schemathesis.Case, location: ParameterLocation) -> bool:
    """A negative case whose invalid part is `location` must keep it as generated."""
    component = case.meta.components.get(location) if case.meta else None
    return component is None or component.mode is GenerationMode.POSITIVE


def _operation_fuzz(operation: APIOperation, mode: GenerationMode, world: FuzzWorld) -> None:
    session = requests.Session()
    cookies = {"arena_annotator": annotator_cookie_value(world.annotator.id),
               "csrftoken": CSRF_TOKEN}
    turns = itertools.count()

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES_PER_OPERATION_AND_MODE, deadline=None, derandomize=True,
              database=None, suppress_health_check=list(HealthCheck))
    def fuzz(case: schemathesis.Case) -> None:
        if next(turns) % 2 == 0 and _is_valid(case, ParameterLocation.PATH):
            _aim_at_real_objects(case, world)
        case.call_and_validate(
            base_url=world.url, session=session, timeout=30, headers={"X-CSRFToken": CSRF_TOKEN},
            cookies=cookies if _is_valid(case, ParameterLocation.COOKIE) else None,
        )

    try:
        fuzz()
    except Unsatisfiable:
        if mode is GenerationMode.POSITIVE:
            raise  # only an operation without parameters has no invalid request to make


def test_it_answers_every_request_as_its_schema_says(fuzz_world: FuzzWorld) -> None:
    schema = schemathesis.openapi.from_url(f"{fuzz_world.url}/api/schema", config=CONFIG,
                                           timeout=60)
    failures: dict[str, str] = {}
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result.err()  # the schema itself is well formed
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _operation_fuzz(operation, mode, fuzz_world)
            except (Exception, FailureGroup) as error:  # fuzz them all, report every failure
                failures[f"{operation.label} ({mode.value})"] = str(error)
    assert not failures, "\n\n".join(f"{label}: {error}" for label, error in failures.items())
