"""docker-compose.yml and the Dockerfile cannot run here; check that they say what the docs say."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "docker-compose.yml").read_text()))


def test_it_runs_the_app_against_official_postgres_and_redis_images() -> None:
    services = _compose()["services"]
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    assert {"web", "worker", "beat", "migrate"} <= set(services)
    for name in ("postgres", "redis", "web", "worker"):
        assert "healthcheck" in services[name], name
    assert services["web"]["command"][:3] == ["python", "-m", "arena.launcher.web"]
    assert "/readyz" in " ".join(services["web"]["healthcheck"]["test"])


def test_it_keeps_configuration_in_the_environment_and_secrets_in_files() -> None:
    compose = _compose()
    web = compose["services"]["web"]["environment"]
    assert web["SECRET_KEY_FILE"].startswith("/run/secrets/")
    assert "SECRET_KEY" not in web and "password" not in web["DATABASE_URL"].split("@")[0][13:]
    assert set(compose["secrets"]) == {"secret_key", "postgres_password"}
    assert set(compose["volumes"]) == {"postgres-data", "redis-data", "media"}


def test_it_offers_a_gpu_worker_on_its_own_queue() -> None:
    gpu = _compose()["services"]["worker-gpu"]
    assert gpu["profiles"] == ["gpu"]
    assert gpu["environment"]["ARENA_RANKING_QUEUE"] == "rankings"
    assert "rankings" in gpu["command"]
    assert "cu1" in gpu["build"]["args"]["TORCH_INDEX_URL"]


def test_the_image_serves_the_asgi_app_as_a_non_root_user() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.11" in dockerfile
    assert "USER arena" in dockerfile
    assert '"arena.launcher.web", "--bind", "0.0.0.0:8000"' in dockerfile
    assert "/healthz" in dockerfile


def test_compose_believes_no_forwarded_address_unless_a_proxy_is_named() -> None:
    """The web port is published: trusting X-Forwarded-For from anyone let every vote pick its
    own address (issue #15). Headers stay off until a deployment names its proxy."""
    env = _compose()["x-app"]["environment"]
    assert env["WEB_PROXY_HEADERS"] in ("${WEB_PROXY_HEADERS:-false}", "false")
    assert "*" not in str(env["FORWARDED_ALLOW_IPS"])
