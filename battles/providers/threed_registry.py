"""3D provider kinds and the factory that builds one from settings.

Separate from `registry.py` so the 3D modality can be wired in one place later (its spec module
reads `THREED_KINDS` and calls `threed_provider_for`).
"""

from __future__ import annotations

from .base import ProviderSettings
from .threed_base import ThreeDProvider
from .threed_demo import DemoThreeDProvider
from .threed_http import HttpThreeDProvider

THREED_KINDS: list[tuple[str, str]] = [
    ("http_3d", "HTTP 3D generation service (jobs)"),
    ("demo_3d", "Offline demo (3D)"),
]


def threed_provider_for(settings: ProviderSettings) -> ThreeDProvider:
    """Raises ValueError for an unknown kind (or an unknown demo style)."""
    if settings.kind == "http_3d":
        return HttpThreeDProvider(settings)
    if settings.kind == "demo_3d":
        return DemoThreeDProvider(settings)
    raise ValueError(f"Unknown 3D provider kind {settings.kind!r}.")
