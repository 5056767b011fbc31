"""Any audio a music backend returns, as one arena's WAV: a pure function of the sound only.

A probe told the demo contenders apart by their native rate and channel count alone (44.1 kHz
stereo, 22.05, 16 and 8 kHz mono). So every track is decoded with FFmpeg (PyAV: mp3, ogg,
opus, flac, wav of any sample format), resampled and mixed to the arena's rate and channels,
cut or padded with silence to exactly the requested duration, brought to one integrated
loudness (ITU-R BS.1770 via pyloudnorm) under a true-peak ceiling, and written as a canonical
44-byte-header PCM WAV by the standard library. Nothing of the original container survives:
no tags, no LIST/INFO, ID3 or Vorbis comments, and the file size is 44 + frames × channels × 2,
a function of the requested duration alone.
"""

from __future__ import annotations

import io
import math
import wave

import av
import numpy as np
import pyloudnorm
from scipy.signal import resample_poly

from battles.media_formats import AudioFormat
from battles.providers import ProviderError

CORRUPT_AUDIO = "The model returned a corrupt or unreadable audio file."
SILENT_AUDIO = "The model returned a silent track."
TOO_BIG_AUDIO = "The model's audio file was too large."
MAX_AUDIO_BYTES = 64 * 1024 * 1024
# Decoding stops this far past the requested duration: a tiny file that expands to hours of
# sound (a decompression bomb) costs at most this much work and memory.
DURATION_SLACK_S = 1.0
SILENCE_PEAK = 1e-4
TRUE_PEAK_OVERSAMPLING = 4


def audio_normalize(data: bytes, *, target: AudioFormat, duration_s: float) -> bytes:
    """WAV bytes in `target`'s format lasting exactly `duration_s`; ProviderError if the input
    is empty, corrupt, non-finite, silent, too large or longer than the duration allows."""
    if len(data) > MAX_AUDIO_BYTES:
        raise ProviderError(TOO_BIG_AUDIO)
    samples = _decoded(data, target=target, duration_s=duration_s)
    if samples.size == 0 or not np.isfinite(samples).all():
        raise ProviderError(CORRUPT_AUDIO)
    frames = round(duration_s * target.sample_rate)
    samples = _fitted(samples, frames)
    if float(np.abs(samples).max(initial=0.0)) < SILENCE_PEAK:
        raise ProviderError(SILENT_AUDIO)
    return _wav(_loudness_normalized(samples, target), target)


def _decoded(data: bytes, *, target: AudioFormat, duration_s: float) -> np.ndarray:
    """Float samples shaped (frames, channels) at the target rate and layout."""
    limit_s = duration_s + DURATION_SLACK_S
    layout = "stereo" if target.channels == 2 else "mono"
    resampler = av.AudioResampler(format="fltp", layout=layout, rate=target.sample_rate)
    chunks: list[np.ndarray] = []
    decoded_s = 0.0
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if not container.streams.audio:
                raise ProviderError(CORRUPT_AUDIO)
            for frame in container.decode(container.streams.audio[0]):
                decoded_s += frame.samples / max(frame.sample_rate, 1)
                if decoded_s > limit_s:
                    raise ProviderError(_too_long(duration_s))
                chunks.extend(out.to_ndarray() for out in resampler.resample(frame))
            chunks.extend(out.to_ndarray() for out in resampler.resample(None))
    except ProviderError:
        raise
    except Exception:  # FFmpeg reports bad input as many error types: all mean "corrupt"
        raise ProviderError(CORRUPT_AUDIO) from None
    if not chunks:
        return np.zeros((0, target.channels), dtype=np.float64)
    return np.concatenate(chunks, axis=1).T.astype(np.float64)


def _too_long(duration_s: float) -> str:
    return f"The model's track was too long; this battle allows {duration_s:g} s."


def _fitted(samples: np.ndarray, frames: int) -> np.ndarray:
    """Exactly `frames` long: the duration is what the prompt asked for, never the model's."""
    if samples.shape[0] >= frames:
        return samples[:frames]
    silence = np.zeros((frames - samples.shape[0], samples.shape[1]), dtype=samples.dtype)
    return np.concatenate([samples, silence])


def _loudness_normalized(samples: np.ndarray, target: AudioFormat) -> np.ndarray:
    """Gain to the integrated-loudness target, lowered until the true peak is under the
    ceiling. A linear gain only: no limiter, so the music's dynamics stay the model's own."""
    meter = pyloudnorm.Meter(target.sample_rate)
    try:
        loudness = meter.integrated_loudness(samples)
    except ValueError:  # shorter than one 400 ms gating block
        loudness = -math.inf
    gain = 10 ** ((target.loudness_lufs - loudness) / 20) if math.isfinite(loudness) else math.inf
    ceiling = 10 ** (target.true_peak_dbtp / 20)
    peak = _true_peak(samples)
    gain = min(gain, ceiling / peak)
    return np.clip(samples * gain, -1.0, 1.0)


def _true_peak(samples: np.ndarray) -> float:
    """Peak of the 4× oversampled signal (BS.1770 annex 2): inter-sample peaks clip too."""
    oversampled = resample_poly(samples, TRUE_PEAK_OVERSAMPLING, 1, axis=0)
    return max(float(np.abs(oversampled).max()), float(np.abs(samples).max()))


def _wav(samples: np.ndarray, target: AudioFormat) -> bytes:
    pcm = np.round(samples * 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(target.channels)
        writer.setsampwidth(2)
        writer.setframerate(target.sample_rate)
        writer.writeframes(pcm.tobytes())
    return buffer.getvalue()
