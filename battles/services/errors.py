"""The rule violations live in `battles.errors` (importable without loading the write layer, so
modality modules and routers can raise them); this name stays for the services' callers."""

from battles.errors import ArenaError, Conflict, Forbidden, NotFound

__all__ = ["ArenaError", "Conflict", "Forbidden", "NotFound"]
