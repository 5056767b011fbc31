"""The address per-IP limits count: X-Forwarded-For only from a named proxy, right-most
untrusted hop; the web server refuses to trust every peer."""

from __future__ import annotations

import ipaddress
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from annotators.client_ip import client_ip_resolve
from arena.env import envnetworks
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
