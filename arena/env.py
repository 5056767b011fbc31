"""Environment helpers for settings.

Settings come only from the environment. These helpers fail loudly on values they cannot
parse, so a typo in a deployment's environment stops the process instead of silently
falling back to a default.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def envstr(name: str, default: str = "") -> str:
    """Read a string; `NAME_FILE` (a path) wins over `NAME`, for secrets mounted as files."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        try:
            return Path(file_path).read_text().strip()
        except OSError as error:
            raise ImproperlyConfigured(f"{name}_FILE={file_path!r} cannot be read: {error}") from error
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no).")


def envint(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer.") from error


def envlist(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_from_url(url: str) -> dict[str, object]:
    """Turn `postgresql://user:pass@host:port/name?host=/socket/dir` into Django's DATABASES entry.

    The `host` query parameter carries a Unix-socket directory, which is how the embedded
    PostgreSQL listens.
    """
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ImproperlyConfigured(f"DATABASE_URL must be a postgresql:// URL, got {parts.scheme!r}.")
    query = parse_qs(parts.query)
    host = query.get("host", [parts.hostname or ""])[0]
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise ImproperlyConfigured("DATABASE_URL names no database.")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": host,
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": 0,
        "ATOMIC_REQUESTS": False,
    }


def envnetworks(name: str, default: list[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Addresses or CIDR networks, e.g. of the proxies whose X-Forwarded-For is believed.
    '*' is refused: trusting every peer lets any client choose the address it is counted by."""
    networks = []
    for value in envlist(name, default):
        if value == "*":
            raise ImproperlyConfigured(
                f"{name}='*' would let any client choose its own address; name the proxy's "
                "addresses or networks instead (e.g. 127.0.0.1 or 172.18.0.0/16)."
            )
        try:
            networks.append(ipaddress.ip_network(value, strict=False))
        except ValueError as error:
            raise ImproperlyConfigured(f"{name}: {value!r} is not an address or network.") from error
    return networks
