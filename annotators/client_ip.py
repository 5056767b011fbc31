"""The client address that per-IP limits count: one rule for HTTP requests and WebSockets.

X-Forwarded-For is written by whoever sent the request, so it is honoured only when the direct
peer is a proxy the deployment named (`settings.ARENA_TRUSTED_PROXIES`, from
FORWARDED_ALLOW_IPS when WEB_PROXY_HEADERS is on). Walking the header from the right, the first
address that is not itself a trusted proxy is the client: every hop to its right was added by a
proxy we trust, every hop to its left was supplied by the client and may be invented. uvicorn
applies the same rule to the ASGI scope (arena/launcher/web.py); applying it again here is
harmless (the peer it leaves is not a trusted proxy) and keeps other servers (daphne, tests)
honest.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.http import HttpRequest


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return False
    return any(ip in network for network in settings.ARENA_TRUSTED_PROXIES)


def client_ip_resolve(peer: str | None, forwarded_for: Iterable[str]) -> str | None:
    """The client address given the direct peer and the X-Forwarded-For header values."""
    if not peer or not _trusted(peer):
        return peer or None
    hops = [hop.strip() for value in forwarded_for for hop in value.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop):
            return hop
    return hops[0] if hops else peer


def client_ip_from_request(request: HttpRequest) -> str | None:
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    return client_ip_resolve(request.META.get("REMOTE_ADDR"), [forwarded] if forwarded else [])


def client_ip_from_scope(scope: dict[str, Any]) -> str | None:
    client = scope.get("client")
    forwarded = [
        value.decode("latin1") for name, value in scope.get("headers", [])
        if name == b"x-forwarded-for"
    ]
    return client_ip_resolve(client[0] if client else None, forwarded)
