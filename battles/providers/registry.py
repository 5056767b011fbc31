"""Media and search provider kinds, and the factories that build them from settings; each
modality spec (battles/modalities/) names the kinds it offers."""

from __future__ import annotations

from .base import ProviderSettings
from .images_demo import DemoImageProvider
from .images_openai import OpenAIImagesProvider
from .media_base import ImageProvider, MusicProvider, SearchProvider
from .music_demo import DemoMusicProvider
from .music_http import HttpMusicProvider
from .search_chat import SearchChatProvider
from .search_demo import DemoSearchProvider
from .search_native import NativeSearchProvider

IMAGE_KINDS: list[tuple[str, str]] = [
    ("openai_images", "OpenAI-compatible images API"),
    ("demo_image", "Offline demo (image)"),
]

MUSIC_KINDS: list[tuple[str, str]] = [
    ("http_music", "HTTP text-to-music service"),
    ("demo_music", "Offline demo (music)"),
]
SEARCH_KINDS: list[tuple[str, str]] = [
    ("search_chat", "OpenAI-compatible chat + SearxNG-style search backend"),
    ("search_native", "Search service with native citations (Perplexity-style)"),
    ("demo_search", "Offline demo (search)"),
]



def image_provider_for(settings: ProviderSettings) -> ImageProvider:
    """Raises ValueError for an unknown kind (or an unknown demo style)."""
    if settings.kind == "openai_images":
        return OpenAIImagesProvider(settings)
    if settings.kind == "demo_image":
        return DemoImageProvider(settings)
    raise ValueError(f"Unknown image provider kind {settings.kind!r}.")


def music_provider_for(settings: ProviderSettings) -> MusicProvider:
    """Raises ValueError for an unknown kind (or an unknown demo style)."""
    if settings.kind == "http_music":
        return HttpMusicProvider(settings)
    if settings.kind == "demo_music":
        return DemoMusicProvider(settings)
    raise ValueError(f"Unknown music provider kind {settings.kind!r}.")


def search_provider_for(settings: ProviderSettings) -> SearchProvider:
    """Raises ValueError for an unknown kind, demo style or missing search_url."""
    if settings.kind == "search_chat":
        return SearchChatProvider(settings)
    if settings.kind == "search_native":
        return NativeSearchProvider(settings)
    if settings.kind == "demo_search":
        return DemoSearchProvider(settings)
    raise ValueError(f"Unknown search provider kind {settings.kind!r}.")
