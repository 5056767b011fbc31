from __future__ import annotations

import pytest
from django.test import Client

from battles.models import ContenderStatus
from leaderboard.services import leaderboard_recompute
from tests.factories import arena_create, contender_create
from tests.leaderboard.conftest import Cast

pytestmark = pytest.mark.django_db


def _board(cast: Cast) -> tuple:
    arena = arena_create(slug="text", settings={"provisional_votes": 20})
    best = contender_create(arena=arena, name="Best Model", organisation="Good Lab")
    okay = contender_create(arena=arena, name="Okay Model")
    rare = contender_create(arena=arena, name="Rare Model")
    cast(arena=arena, a=best, b=okay, choice="a", n=25)
    cast(arena=arena, a=okay, b=best, choice="a", n=8)
    cast(arena=arena, a=okay, b=rare, choice="b", n=3, prompts=("Erkläre mir bitte die Uhr",))
    leaderboard_recompute(arena_id=arena.id)
    return arena, best, okay, rare


def test_it_shows_an_empty_state_before_any_snapshot() -> None:
    arena_create(slug="fresh")
    response = Client().get("/a/fresh/leaderboard/")
    assert response.status_code == 200
    assert "No leaderboard yet" in response.content.decode()


def test_it_shows_ratings_intervals_and_matrices(cast: Cast) -> None:
    _board(cast)
    page = Client().get("/a/text/leaderboard/").content.decode()
    assert page.index("Best Model") < page.index("Okay Model")
    assert "Good Lab" in page and "from 36 votes" in page
    assert page.count('class="badge provisional"') == 1  # Rare Model: 3 votes < 20
    assert "<svg" in page and page.count("<circle") == 3
    assert "Win rate" in page and "Battles per pair" in page
    assert 'class="heat-' in page and 'class="count-' in page
    assert "<script" not in page and "cdn" not in page.lower()


def test_it_hides_deprecated_contenders_unless_asked(cast: Cast) -> None:
    _arena, _best, okay, _rare = _board(cast)
    okay.status = ContenderStatus.DEPRECATED
    okay.save()
    assert "Okay Model" not in Client().get("/a/text/leaderboard/").content.decode()
    assert "Okay Model" in Client().get("/a/text/leaderboard/?deprecated=1").content.decode()


def test_it_switches_style_control_and_category(cast: Cast) -> None:
    _board(cast)
    styled = Client().get("/a/text/leaderboard/?style=1").content.decode()
    assert "style-controlled" in styled
    german = Client().get("/a/text/leaderboard/?category=non_english").content.decode()
    assert "from 3 votes" in german and "Best Model" not in german.split("<table")[1]
    unknown = Client().get("/a/text/leaderboard/?category=nope").content.decode()
    assert "from 36 votes" in unknown


def test_it_says_how_many_votes_were_left_out_and_why(cast: Cast, client: Client) -> None:
    from moderation.models import Exclusion, ExclusionReason

    arena = arena_create()
    strong, weak = contender_create(arena=arena), contender_create(arena=arena)
    cast(arena=arena, a=strong, b=weak, choice="a", n=12)
    leaked = cast(arena=arena, a=strong, b=weak, choice="a", n=3, is_valid=False)
    for vote in leaked:
        Exclusion.objects.create(battle_id=vote.battle_id, reason=ExclusionReason.IDENTITY_LEAK)
    cast(arena=arena, a=strong, b=weak, choice="b", n=2, mode="side_by_side")
    leaderboard_recompute(arena_id=arena.id)
    page = client.get(f"/a/{arena.slug}/leaderboard/").content.decode()
    assert "3 identity leak" in page
    assert "2 from side-by-side battles" in page


def test_a_rendered_board_is_kept_until_anything_it_shows_changes(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page's board is rendered once per snapshot and rows; a rename or a new snapshot
    shows at once (in the API too), because either makes a new key."""
    from leaderboard import views

    arena, best, okay, _rare = _board(cast)
    built: list[int] = []
    real_plot = views.interval_plot

    def plot_counted(rows: list[dict[str, object]]) -> dict[str, object]:
        built.append(1)
        return real_plot(rows)

    monkeypatch.setattr(views, "interval_plot", plot_counted)
    client = Client()
    first = client.get("/a/text/leaderboard/").content.decode()
    again = client.get("/a/text/leaderboard/").content.decode()
    api_first = client.get("/api/arenas/text/leaderboard").json()
    assert first == again and len(built) == 1
    assert client.get("/api/arenas/text/leaderboard").json() == api_first

    best.name = "Renamed Model"
    best.save()
    assert "Renamed Model" in client.get("/a/text/leaderboard/").content.decode()
    renamed = client.get("/api/arenas/text/leaderboard").json()["rows"]
    assert "Renamed Model" in {row["name"] for row in renamed}
    assert len(built) == 2

    cast(arena=arena, a=okay, b=best, choice="a", n=30)
    leaderboard_recompute(arena_id=arena.id)
    assert "from 66 votes" in client.get("/a/text/leaderboard/").content.decode()
    assert client.get("/api/arenas/text/leaderboard").json()["num_votes"] == 66


def test_the_board_renders_without_redis(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    from redis.exceptions import ConnectionError as RedisConnectionError

    from leaderboard import rendered

    _board(cast)

    def down(*args: object, **kwargs: object) -> None:
        raise RedisConnectionError("Redis is down")

    monkeypatch.setattr(rendered.cache, "get", down)
    monkeypatch.setattr(rendered.cache, "set", down)
    page = Client().get("/a/text/leaderboard/")
    assert page.status_code == 200 and "Best Model" in page.content.decode()
    rows = Client().get("/api/arenas/text/leaderboard").json()["rows"]
    assert "Best Model" in {row["name"] for row in rows}


def test_it_names_categories_and_methods_as_people_write_them(cast: Cast) -> None:
    arena, best, okay, _rare = _board(cast)
    cast(arena=arena, a=best, b=okay, choice="a", n=2, prompts=("x" * 600,))
    leaderboard_recompute(arena_id=arena.id)
    page = Client().get("/a/text/leaderboard/").content.decode()
    assert ">Non-English</option>" in page and ">Long prompts</option>" in page
    assert "Nonenglish" not in page and "Longprompts" not in page
    assert "(Bradley-Terry, " in page
    styled = Client().get("/a/text/leaderboard/?style=1").content.decode()
    assert "(Bradley-Terry (style-controlled), " in styled
    assert "bradleyterry" not in styled


@pytest.mark.parametrize(
    ("slug", "label"),
    [("overall", "Overall"), ("english", "English"), ("non_english", "Non-English"),
     ("multi_turn", "Multi-turn"), ("long_prompts", "Long prompts"), ("coding_help", "Coding help")],
)
def test_every_category_has_a_display_label(slug: str, label: str) -> None:
    from leaderboard.presenters import category_label

    assert category_label(slug) == label
