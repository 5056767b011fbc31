"""Rule violations, each with a stable code for clients and a message for people."""

from __future__ import annotations


class ArenaError(Exception):
    """A request broke a rule; nothing was changed. Adapters turn it into a clear message."""

    code = "invalid"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status


class NotFound(ArenaError):
    code = "not_found"
    status = 404


class Forbidden(ArenaError):
    code = "forbidden"
    status = 403


class Conflict(ArenaError):
    code = "conflict"
    status = 409
