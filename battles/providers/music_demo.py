"""Offline demo music (numpy, written as WAV with soundfile), at clearly different quality levels.

`params`: "style" —
  "studio"    44.1 kHz stereo: chords, bass, melody, drums, and a sung-like vowel line when
              vocals are wanted;
  "simple"    22.05 kHz mono sine melody over a drone;
  "chiptune"  16 kHz square waves;
  "detuned"   8 kHz, out of tune, with hiss;
"step_delay" (seconds between progress steps, default 0.05); "corrupt" (true: bytes that are not
audio, to exercise the failure path). The melody is seeded from the prompt, so the same prompt
gives the same track.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import AsyncIterator

import numpy as np
import soundfile

from .base import ProviderSettings
from .media_base import MediaEvent, MediaResult, MusicRequest, Progress

MUSIC_STYLES = ("studio", "simple", "chiptune", "detuned")
RATES = {"studio": 44100, "simple": 22050, "chiptune": 16000, "detuned": 8000}
STEPS = 4
_SCALE = [0, 2, 4, 5, 7, 9, 11, 12]
_CHORDS = [[0, 4, 7], [9, 12, 16], [5, 9, 12], [7, 11, 14]]


def _freq(semitones: float, base: float = 220.0) -> float:
    return base * 2 ** (semitones / 12)


def _envelope(n: int, rate: int, attack: float = 0.01, release: float = 0.08) -> np.ndarray:
    env = np.ones(n)
    a, r = min(n, int(attack * rate)), min(n, int(release * rate))
    if a:
        env[:a] = np.linspace(0, 1, a)
    if r:
        env[-r:] *= np.linspace(1, 0, r)
    return env


def synthesize(request: MusicRequest, style: str) -> tuple[np.ndarray, int]:
    rate = RATES[style]
    seed = int.from_bytes(hashlib.sha256(request.prompt.encode()).digest()[:4], "little")
    rng = np.random.default_rng(seed)
    tempo = 90 + seed % 50
    beat = 60 / tempo
    total = int(request.duration_s * rate)
    t_all = np.arange(total) / rate
    out = np.zeros(total)
    note_len = int(beat * rate)
    detune = rng.uniform(-0.7, 0.7) if style == "detuned" else 0.0
    for start in range(0, total, note_len):
        n = min(note_len, total - start)
        t = np.arange(n) / rate
        step = _SCALE[int(rng.integers(len(_SCALE)))] + detune
        f = _freq(step + 12)
        if style == "chiptune":
            tone = 0.3 * np.sign(np.sin(2 * np.pi * f * t))
        elif style == "studio":
            tone = 0.25 * (np.sin(2 * np.pi * f * t) + 0.3 * np.sin(4 * np.pi * f * t))
        else:
            tone = 0.3 * np.sin(2 * np.pi * f * t)
        out[start:start + n] += tone * _envelope(n, rate)
    if style == "studio":
        bar = 4 * note_len
        for index, start in enumerate(range(0, total, bar)):
            n = min(bar, total - start)
            t = np.arange(n) / rate
            chord = _CHORDS[index % 4]
            pad = sum(np.sin(2 * np.pi * _freq(s) * t) for s in chord) / 6
            bass = 0.3 * np.sin(2 * np.pi * _freq(chord[0] - 12) * t)
            out[start:start + n] += (pad + bass) * _envelope(n, rate, 0.05, 0.2)
        for start in range(0, total, note_len):  # kick on every beat
            n = min(int(0.12 * rate), total - start)
            t = np.arange(n) / rate
            out[start:start + n] += 0.5 * np.sin(2 * np.pi * 60 * t) * np.exp(-t * 30)
        if not request.instrumental:
            vibrato = 1 + 0.01 * np.sin(2 * np.pi * 5.5 * t_all)
            phase = 2 * np.pi * np.cumsum(_freq(7, 261.6) * vibrato) / rate
            voice = sum(w * np.sin(k * phase) for k, w in ((1, 1.0), (2, 0.6), (3, 0.4), (5, 0.3)))
            syllables = 0.5 + 0.5 * np.sin(2 * np.pi * t_all / beat)
            out += 0.12 * voice * syllables
    elif style == "simple":
        out += 0.1 * np.sin(2 * np.pi * _freq(0, 110) * t_all)
    if style == "detuned":
        out += 0.05 * rng.standard_normal(total)
    out /= max(1.0, float(np.abs(out).max()) / 0.9)
    if style == "studio":
        return np.stack([out, np.roll(out, int(0.012 * rate))], axis=1), rate
    return out, rate


class DemoMusicProvider:
    def __init__(self, settings: ProviderSettings):
        self.style = str(settings.params.get("style") or "studio")
        if self.style not in MUSIC_STYLES:
            raise ValueError(f"Unknown demo music style {self.style!r}; use one of {MUSIC_STYLES}.")
        self.step_delay = float(settings.params.get("step_delay", 0.05))
        self.corrupt = bool(settings.params.get("corrupt", False))

    async def generate_music(self, request: MusicRequest) -> AsyncIterator[MediaEvent]:
        for step in range(STEPS):
            yield Progress(step / STEPS, "composing" if step < 2 else "mixing")
            await asyncio.sleep(self.step_delay)
        if self.corrupt:
            yield MediaResult(b"RIFF\x24\x00\x00\x00WAVEfmt broken" * 4)
            return
        samples, rate = await asyncio.to_thread(synthesize, request, self.style)
        buffer = io.BytesIO()
        soundfile.write(buffer, samples, rate, format="WAV", subtype="PCM_16")
        yield MediaResult(buffer.getvalue(), "audio/wav")
