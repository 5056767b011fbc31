"""Offline demo image generators (Pillow) with clearly different quality levels.

`params`: "style" — "painterly" (smooth sky, sun, layered hills, colours from the prompt),
"flat" (a few flat shapes), "blocky" (the painterly picture at 1/16 resolution, blown up),
"noise" (random speckle that ignores the prompt); "step_delay" (seconds between progress steps,
default 0.05); "corrupt" (true: return bytes that are not an image, to exercise the failure path).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import random
from collections.abc import AsyncIterator

from PIL import Image, ImageDraw, ImageFilter

from .base import ProviderSettings
from .media_base import MediaEvent, MediaResult, Progress

IMAGE_STYLES = ("painterly", "flat", "blocky", "noise")
STEPS = 4

_COLOURS = {
    "red": (200, 40, 40), "orange": (235, 130, 30), "yellow": (240, 210, 60),
    "green": (60, 160, 70), "blue": (50, 100, 210), "purple": (130, 60, 170),
    "pink": (235, 120, 170), "white": (240, 240, 240), "black": (25, 25, 30),
    "sunset": (240, 110, 60), "night": (20, 25, 70), "forest": (30, 110, 50),
    "ocean": (30, 90, 170), "sea": (30, 110, 180), "desert": (220, 180, 110),
    "snow": (235, 240, 250), "fire": (230, 80, 20), "gold": (215, 175, 55),
}


def _palette(prompt: str) -> list[tuple[int, int, int]]:
    words = [w.strip(".,!?").lower() for w in prompt.split()]
    found = [_COLOURS[w] for w in words if w in _COLOURS]
    digest = hashlib.sha256(prompt.encode()).digest()
    seeded = [(digest[i], digest[i + 1], digest[i + 2]) for i in range(0, 15, 3)]
    return (found + seeded)[:5]


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    return (int(a[0] + (b[0] - a[0]) * t), int(a[1] + (b[1] - a[1]) * t),
            int(a[2] + (b[2] - a[2]) * t))


def painterly(prompt: str, width: int, height: int) -> Image.Image:
    colours = _palette(prompt)
    rng = random.Random(prompt)
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    top, bottom = colours[0], _mix(colours[1], (255, 255, 255), 0.5)
    for y in range(height):
        draw.line([(0, y), (width, y)], fill=_mix(top, bottom, y / max(1, height - 1)))
    sun_x, sun_y, r = width * rng.uniform(0.2, 0.8), height * 0.3, min(width, height) * 0.09
    draw.ellipse([sun_x - r, sun_y - r, sun_x + r, sun_y + r], fill=_mix(colours[2], (255, 240, 200), 0.6))
    for layer in range(4):
        base = height * (0.55 + 0.11 * layer)
        colour = _mix(colours[3 + layer % 2], (10, 10, 20), layer * 0.18)
        points: list[tuple[float, float]] = [(0, height)]
        for x in range(0, width + 16, 16):
            points.append((x, base + 25 * rng.uniform(-1, 1) * (1 + layer * 0.3)))
        points.append((width, height))
        draw.polygon(points, fill=colour)
    return image.filter(ImageFilter.GaussianBlur(1.2))


def flat(prompt: str, width: int, height: int) -> Image.Image:
    colours = _palette(prompt)
    image = Image.new("RGB", (width, height), colours[0])
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, height * 0.6, width, height], fill=colours[3])
    draw.ellipse([width * 0.4, height * 0.2, width * 0.6, height * 0.4], fill=colours[2])
    return image


def blocky(prompt: str, width: int, height: int) -> Image.Image:
    small = painterly(prompt, max(1, width // 16), max(1, height // 16))
    return small.resize((width, height), Image.Resampling.NEAREST)


def noise(prompt: str, width: int, height: int) -> Image.Image:
    rng = random.Random(len(prompt))
    data = bytes(rng.getrandbits(8) for _ in range((width // 4) * (height // 4) * 3))
    small = Image.frombytes("RGB", (width // 4, height // 4), data)
    return small.resize((width, height), Image.Resampling.NEAREST)


_DRAW = {"painterly": painterly, "flat": flat, "blocky": blocky, "noise": noise}


class DemoImageProvider:
    def __init__(self, settings: ProviderSettings):
        self.style = str(settings.params.get("style") or "painterly")
        if self.style not in IMAGE_STYLES:
            raise ValueError(f"Unknown demo image style {self.style!r}; use one of {IMAGE_STYLES}.")
        self.step_delay = float(settings.params.get("step_delay", 0.05))
        self.corrupt = bool(settings.params.get("corrupt", False))

    async def generate_image(
        self, prompt: str, *, width: int, height: int
    ) -> AsyncIterator[MediaEvent]:
        for step in range(STEPS):
            yield Progress(step / STEPS, "drawing")
            await asyncio.sleep(self.step_delay)
        if self.corrupt:
            yield MediaResult(b"\x89PNG\r\n\x1a\n" + b"\x00not really an image" * 8)
            return
        image = await asyncio.to_thread(_DRAW[self.style], prompt, width, height)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        yield MediaResult(buffer.getvalue(), "image/png")
