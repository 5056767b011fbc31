"""Draft → published or discarded; only published releases are listed and downloadable."""

from __future__ import annotations

import stat
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import ProgrammingError, transaction
from django.test import Client
from django.utils import timezone

from releases.models import Release, ReleaseImmutable, ReleaseState
from releases.services import ReleaseError, release_discard, release_publish, releases_build_due
from tests.releases.conftest import World

pytestmark = pytest.mark.django_db


def test_a_published_release_is_immutable(world: World) -> None:
    release = release_publish(release=world.build())
    directory = world.directory(release)
    for path in [directory, *directory.rglob("*")]:
        assert not path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    release.counts = {"battles": 0}
    with pytest.raises(ReleaseImmutable):
        release.save()
    with pytest.raises(ReleaseImmutable):
        release.delete()
    with pytest.raises(ProgrammingError, match="published"), transaction.atomic():
        Release.objects.filter(id=release.id).update(counts={})
    with pytest.raises(ReleaseError):
        world.build(release)
    with pytest.raises(ReleaseError):
        release_discard(release=release)
    assert Release.objects.get(id=release.id).counts["battles"] == 7


def test_publishing_refuses_files_changed_after_the_build(world: World) -> None:
    release = world.build()
    (world.directory(release) / "manifest.json").write_text("{}")
    with pytest.raises(ReleaseError, match="changed since the build"):
        release_publish(release=release)


def test_only_published_releases_are_listed_and_downloadable(world: World, client: Client) -> None:
    draft = world.build()
    assert client.get(f"/releases/{draft.id}/files/battles.jsonl").status_code == 404
    assert client.get("/api/releases").json() == []
    published = release_publish(release=world.build())
    discarded = release_discard(release=world.build())
    assert not world.directory(discarded).exists()
    page = client.get("/releases/")
    assert page.status_code == 200
    assert f"release {published.number}" in page.content.decode()
    assert f"release {draft.number}" not in page.content.decode()
    listed = client.get("/api/releases").json()
    assert [r["number"] for r in listed] == [published.number]
    assert {"README.md", "battles.parquet", "manifest.json"} <= {f["name"] for f in listed[0]["files"]}
    download = client.get(f"/releases/{published.id}/files/battles.jsonl")
    assert download.status_code == 200
    assert download.getvalue() == (world.directory(published) / "battles.jsonl").read_bytes()
    assert client.get(f"/releases/{published.id}/files/../../etc/passwd").status_code == 404
    assert client.get(f"/releases/{draft.id}/files/README.md").status_code == 404


def test_the_build_command_makes_a_draft(world: World) -> None:
    call_command("release_build", "--arena", world.arena.slug)
    release = Release.objects.get(policy=world.policy)
    assert release.state == ReleaseState.DRAFT
    assert (world.directory(release) / "manifest.json").is_file()
    call_command("release_build", "--arena", world.arena.slug, "--rebuild", str(release.number))
    assert Release.objects.filter(policy=world.policy).count() == 1


def test_the_hourly_task_builds_only_when_a_policy_is_due(world: World) -> None:
    assert len(releases_build_due()) == 1
    assert releases_build_due() == []
    later = timezone.now() + timedelta(days=world.policy.cadence_days + 1)
    [release] = releases_build_due(now=later)
    assert release.number == 2
    world.policy.is_active = False
    world.policy.save()
    assert releases_build_due(now=later + timedelta(days=100)) == []


def test_building_without_the_pseudonym_secret_refuses(world: World, settings: object) -> None:
    from django.core.exceptions import ImproperlyConfigured

    settings.RELEASE_PSEUDONYM_SECRET = ""  # type: ignore[attr-defined]
    with pytest.raises(ImproperlyConfigured, match="RELEASE_PSEUDONYM_SECRET"):
        world.build()
    assert not Release.objects.exists()
