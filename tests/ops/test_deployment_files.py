"""docker-compose.yml and the Dockerfile cannot run here; check that they say what the docs say."""

from __future__ import annotations

import re
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


def test_only_the_web_service_is_checked_on_its_http_port() -> None:
    """The image's HEALTHCHECK asks :8000/healthz; a service that serves no HTTP and kept it
    would show as unhealthy forever. Each has a check that fits it, or none, said explicitly."""
    services = _compose()["services"]
    for name in ("worker", "worker-gpu", "beat", "migrate"):
        healthcheck = services[name].get("healthcheck")
        assert healthcheck, f"{name} inherits the image's /healthz check"
        assert ":8000" not in " ".join(healthcheck.get("test", [])), name
    assert services["migrate"]["healthcheck"] == {"disable": True}
    assert "inspect ping -d celery@" in " ".join(services["worker"]["healthcheck"]["test"])
    assert "inspect ping -d gpu@" in " ".join(services["worker-gpu"]["healthcheck"]["test"])
    assert "-n" in services["worker-gpu"]["command"]
    assert "gpu@%h" in services["worker-gpu"]["command"]
    beat = services["beat"]
    assert beat["command"][-1] == "/var/lib/arena/celerybeat-schedule"
    assert "/var/lib/arena/celerybeat-schedule" in " ".join(beat["healthcheck"]["test"])


def test_every_worker_waits_for_the_migration() -> None:
    services = _compose()["services"]
    for name in ("worker", "worker-gpu", "beat", "web"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }, name


def test_the_env_example_the_compose_file_names_documents_every_variable_it_reads() -> None:
    compose = (ROOT / "docker-compose.yml").read_text()
    assert ".env.example" in compose
    example = (ROOT / ".env.example").read_text()
    documented = {line.split("=", 1)[0] for line in example.splitlines()
                  if line and not line.startswith("#")}
    substituted = set(re.findall(r"\$\{([A-Z_]+)", compose))
    assert substituted and substituted == documented
    for name in documented:  # each under a comment that says what it is for
        before = example.split(f"\n{name}=", 1)[0]
        assert before.splitlines()[-1].startswith("# "), name
