"""The address per-IP limits count: X-Forwarded-For only from a named proxy, right-most
untrusted hop; the web server refuses to trust every peer."""

from __future__ import annotations

import contextlib
import ipaddress
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.core.exceptions import ImproperlyConfigured

from annotators.client_ip import client_ip_resolve
from arena.env import envnetworks
from tests import celery_worker
from tests.factories import annotator_create, battle_ready, client_for
from tests.moderation.helpers import vote_via_api

ROOT = Path(__file__).resolve().parents[2]


def _trust(settings: Any, *proxies: str) -> None:
    settings.ARENA_TRUSTED_PROXIES = [ipaddress.ip_network(proxy) for proxy in proxies]


def test_it_ignores_x_forwarded_for_from_a_peer_that_is_not_a_named_proxy(settings: Any) -> None:
    _trust(settings, "10.0.0.0/8")
    assert client_ip_resolve("198.51.100.9", ["1.2.3.4"]) == "198.51.100.9"


def test_it_takes_the_right_most_hop_that_no_trusted_proxy_added(settings: Any) -> None:
    _trust(settings, "10.0.0.0/8")
    # The client wrote "1.2.3.4, 5.6.7.8" itself; the edge proxy (10.0.0.2) appended the real
    # client and the inner proxy (10.0.0.3) appended the edge proxy.
    hops = ["1.2.3.4, 5.6.7.8", "203.0.113.7, 10.0.0.2"]
    assert client_ip_resolve("10.0.0.3", hops) == "203.0.113.7"


def test_it_refuses_to_trust_every_peer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "*")
    with pytest.raises(ImproperlyConfigured, match="any client"):
        envnetworks("FORWARDED_ALLOW_IPS", ["127.0.0.1"])


@pytest.mark.django_db
def test_per_ip_vote_limits_count_the_forwarded_client_behind_a_named_proxy(settings: Any) -> None:
    """Behind a trusted proxy, invented left-hand hops do not give a fresh address, and two real
    clients behind the same proxy are counted apart."""
    _trust(settings, "127.0.0.1")
    settings.ARENA_RATE_LIMITS = {"vote": {"ip": (2, 60)}}
    codes = []
    for spoof in ("9.9.9.1", "9.9.9.2", "9.9.9.3"):
        annotator = annotator_create()
        client = client_for(annotator)
        client.defaults["HTTP_X_FORWARDED_FOR"] = f"{spoof}, 203.0.113.7"
        codes.append(vote_via_api(client, battle_ready(annotator=annotator)).status_code)
    assert codes == [200, 200, 429]
    other = annotator_create()
    client = client_for(other)
    client.defaults["HTTP_X_FORWARDED_FOR"] = "203.0.113.8"
    assert vote_via_api(client, battle_ready(annotator=other)).status_code == 200


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _web_server(**env: str) -> Iterator[str]:
    """The real web server (uvicorn, as compose runs it) on the test database."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "arena.launcher.web", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT, env={**os.environ, "DATABASE_URL": celery_worker.test_database_url(), **env},
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            assert server.poll() is None, "the web server exited"
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=15)


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(90)
def test_through_the_real_server_invented_hops_do_not_mint_fresh_addresses() -> None:
    """Issue #15's probe: every request with a random X-Forwarded-For counted as a new address.
    Behind a named proxy (this test), only the hop that proxy appended counts."""
    with _web_server(WEB_PROXY_HEADERS="true", FORWARDED_ALLOW_IPS="127.0.0.1",
                     ARENA_LIMIT_IDENTITIES_PER_IP_PER_HOUR="2") as url:
        codes = [
            httpx.get(f"{url}/consent/", timeout=10,
                      headers={"X-Forwarded-For": f"{uuid.uuid4().int % 250}.1.2.3, 203.0.113.7"})
            .status_code
            for _ in range(3)
        ]
        other = httpx.get(f"{url}/consent/", timeout=10,
                          headers={"X-Forwarded-For": "203.0.113.8"}).status_code
    assert codes == [302, 302, 429]
    assert other == 302


@pytest.mark.timeout(60)
def test_the_web_server_will_not_start_trusting_every_peer() -> None:
    """The compose defaults of issue #15 (headers on, '*') must stop the server, not serve."""
    env = {**os.environ, "WEB_PROXY_HEADERS": "true", "FORWARDED_ALLOW_IPS": "*"}
    server = subprocess.Popen(
        [sys.executable, "-m", "arena.launcher.web", "--bind", "127.0.0.1:0"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        output, _ = server.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.communicate()
        pytest.fail("the web server started while trusting X-Forwarded-For from every peer")
    assert server.returncode != 0
    assert b"FORWARDED_ALLOW_IPS" in output
