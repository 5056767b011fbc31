"""A real local HTTP server for the image, music and search providers' protocols.

    with FakeMediaServer() as server:
        server.base_url            # http://127.0.0.1:<port>
        server.requests[-1].json

Routes, and the request field that picks the behaviour:

    POST /v1/images/generations   OpenAI images API; `model`:
        fake-image-b64          a PNG whose metadata (text chunk + EXIF) names the model
        fake-image-url          `url` to /files/<random>.png instead of b64_json
        fake-image-wrong-size   a 300x200 PNG whatever size was asked
        fake-image-corrupt      valid base64 of bytes that are not an image
        fake-image-bad-b64      `b64_json` that is not base64
        fake-image-malformed    HTTP 200 with JSON that has no `data`
        fake-image-error-<n>    HTTP <n>, error body quoting the model id
        fake-image-slow         sleeps 3 s before answering
    POST /music/generate          JSON text-to-music; `model`:
        fake-music-wav          audio/wav bytes (RIFF INFO tags name the model), `duration_s` long
        fake-music-url          JSON {"audio_url": ...} to fetch
        fake-music-corrupt      bytes that are not audio
        fake-music-silent       a WAV of digital silence
        fake-music-error-<n>    HTTP <n>
    GET  /searx/search?q=…&format=json    SearxNG JSON; q containing "explode" → HTTP 500
    POST /v1/chat/completions     streamed OpenAI chat that answers from the numbered sources in
                                  its system message, citing [1] and [2]
    POST /native/chat/completions Perplexity-style answer with citations natively (`citations`,
                                  `search_results`), markers in 【n】 style; model
                                  fake-native-error-500 → HTTP 500
"""

from __future__ import annotations

import base64
import io
import json
import secrets
import struct
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np
import soundfile
from PIL import Image

from tests.fakes.loopback import LoopbackHTTPServer

SEARCH_RESULTS = [
    {"url": "https://en.wikipedia.org/wiki/Tide", "title": "Tide - Wikipedia",
     "content": "Tides are the rise and fall of sea levels caused by the Moon's gravity."},
    {"url": "https://oceanservice.noaa.gov/facts/tides.html", "title": "What are tides?",
     "content": "The Moon's gravitational pull generates the tidal force; the Sun's adds to it."},
    {"url": "https://www.reddit.com/r/askscience/tides", "title": "Why two tides a day?",
     "content": "Two bulges form: one facing the Moon and one on the opposite side."},
]


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    json: Any
    query: dict[str, list[str]]


def png_with_metadata(width: int, height: int, model: str) -> bytes:
    from PIL import PngImagePlugin

    image = Image.new("RGB", (width, height), (30, 120, 200))
    for x in range(0, width, 8):
        image.putpixel((x, height // 2), (255, 255, 255))
    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", f"model={model} seed=42 software=SecretDiffusion")
    exif = Image.Exif()
    exif[0x0131] = f"SecretDiffusion {model}"  # Software
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=info, exif=exif)
    return buffer.getvalue()


def wav_with_metadata(duration_s: float, model: str, *, silent: bool = False) -> bytes:
    rate = 16000
    t = np.arange(int(rate * duration_s)) / rate
    samples = np.zeros_like(t) if silent else 0.3 * np.sin(2 * np.pi * 440 * t)
    buffer = io.BytesIO()
    soundfile.write(buffer, samples, rate, format="WAV", subtype="PCM_16")
    data = bytearray(buffer.getvalue())
    tag = f"SecretMusic {model}".encode() + b"\x00"
    if len(tag) % 2:
        tag += b"\x00"
    info = b"INFO" + b"ISFT" + struct.pack("<I", len(tag)) + tag
    data += b"LIST" + struct.pack("<I", len(info)) + info
    struct.pack_into("<I", data, 4, len(data) - 8)
    return bytes(data)


class FakeMediaServer(LoopbackHTTPServer):
    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.files: dict[str, tuple[bytes, str]] = {}

    def requests_to(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        url = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        received = Received(method, url.path, {k.lower(): v for k, v in handler.headers.items()},
                            body, parse_qs(url.query))
        self.requests.append(received)
        routes = {
            ("POST", "/v1/images/generations"): self._images,
            ("POST", "/music/generate"): self._music,
            ("GET", "/searx/search"): self._searx,
            ("POST", "/v1/chat/completions"): self._chat,
            ("POST", "/native/chat/completions"): self._native,
        }
        route = routes.get((method, url.path))
        if route is not None:
            route(handler, received)
        elif method == "GET" and url.path.startswith("/files/") and url.path[7:] in self.files:
            data, content_type = self.files[url.path[7:]]
            _send(handler, 200, data, content_type)
        else:
            _send_json(handler, 404, {"error": {"message": f"no route {url.path}"}})

    def _publish(self, data: bytes, content_type: str, extension: str) -> str:
        name = f"{secrets.token_hex(8)}.{extension}"
        self.files[name] = (data, content_type)
        return f"{self.base_url}/files/{name}"

    def _images(self, handler: BaseHTTPRequestHandler, request: Received) -> None:
        body = request.json or {}
        model = str(body.get("model", ""))
        width, height = (int(v) for v in str(body.get("size", "256x256")).split("x"))
        if model.startswith("fake-image-error-"):
            status = int(model.rsplit("-", 1)[1])
            _send_json(handler, status, {"error": {"message": f"{model} at {self.base_url} broke"}})
            return
        if model == "fake-image-slow":
            time.sleep(3)
        if model == "fake-image-malformed":
            _send_json(handler, 200, {"created": 1, "model": model})
            return
        if model == "fake-image-bad-b64":
            _send_json(handler, 200, {"data": [{"b64_json": "!!! not base64 !!!"}]})
            return
        if model == "fake-image-corrupt":
            junk = b"\x89PNG\r\n\x1a\n" + b"garbage" * 50
            _send_json(handler, 200, {"data": [{"b64_json": base64.b64encode(junk).decode()}]})
            return
        if model == "fake-image-wrong-size":
            width, height = 300, 200
        png = png_with_metadata(width, height, model)
        if model == "fake-image-url":
            _send_json(handler, 200, {"data": [{"url": self._publish(png, "image/png", "png")}]})
            return
        _send_json(handler, 200, {"data": [{"b64_json": base64.b64encode(png).decode()}]})

    def _music(self, handler: BaseHTTPRequestHandler, request: Received) -> None:
        body = request.json or {}
        model = str(body.get("model", ""))
        duration = float(body.get("duration_s", 3))
        if model.startswith("fake-music-error-"):
            status = int(model.rsplit("-", 1)[1])
            _send_json(handler, status, {"error": f"{model} at {self.base_url} broke"})
            return
        if model == "fake-music-corrupt":
            _send(handler, 200, b"RIFF\x00\x00\x00\x00WAVEjunk" * 10, "audio/wav")
            return
        wav = wav_with_metadata(duration, model, silent=model == "fake-music-silent")
        if model == "fake-music-url":
            _send_json(handler, 200, {"audio_url": self._publish(wav, "audio/wav", "wav")})
            return
        _send(handler, 200, wav, "audio/wav")

    def _searx(self, handler: BaseHTTPRequestHandler, request: Received) -> None:
        query = (request.query.get("q") or [""])[0]
        if "explode" in query:
            _send_json(handler, 500, {"error": "search engine down"})
            return
        results = [{**r, "engine": "fake"} for r in SEARCH_RESULTS]
        _send_json(handler, 200, {"query": query, "number_of_results": len(results),
                                  "results": results})

    def _chat(self, handler: BaseHTTPRequestHandler, request: Received) -> None:
        body = request.json or {}
        system = " ".join(m.get("content", "") for m in body.get("messages", [])
                          if m.get("role") == "system")
        has_sources = "[1]" in system and "[2]" in system
        text = ("Tides come from the Moon's gravity [1]. The Sun adds to it [2], "
                "and there are two bulges [1, 2]." if has_sources else "I have no sources.")
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.send_header("Connection", "close")
        handler.end_headers()
        for word in text.split(" "):
            chunk = {"choices": [{"index": 0, "delta": {"content": word + " "}}]}
            handler.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            handler.wfile.flush()
        usage = {"choices": [], "usage": {"prompt_tokens": 50, "completion_tokens": 20}}
        handler.wfile.write(f"data: {json.dumps(usage)}\n\ndata: [DONE]\n\n".encode())
        handler.wfile.flush()
        handler.close_connection = True

    def _native(self, handler: BaseHTTPRequestHandler, request: Received) -> None:
        body = request.json or {}
        model = str(body.get("model", ""))
        if model == "fake-native-error-500":
            _send_json(handler, 500, {"error": f"{model} down"})
            return
        text = ("Tides are caused mainly by the Moon【2】, helped by the Sun【2†noaa】. "
                "Some say it is the wind【7】.")
        _send_json(handler, 200, {
            "id": "native-1", "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}}],
            "citations": [r["url"] for r in SEARCH_RESULTS],
            "search_results": [{"title": r["title"], "url": r["url"], "snippet": r["content"]}
                               for r in SEARCH_RESULTS],
            "usage": {"prompt_tokens": 12, "completion_tokens": 30},
        })


def _send(handler: BaseHTTPRequestHandler, status: int, data: bytes, content_type: str) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def _send_json(handler: BaseHTTPRequestHandler, status: int, payload: Any) -> None:
    _send(handler, status, json.dumps(payload).encode(), "application/json")
