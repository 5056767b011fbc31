"""A real local HTTP server speaking the 3D job protocol of `battles.providers.threed_http`.

    with FakeThreeDServer() as server:
        server.base_url            # http://127.0.0.1:<port>
        server.requests[-1].json

`POST /jobs` picks the behaviour from the request's `model`; every job advances one step per
poll, so "slow" means more polls, never a real sleep:

    fake-3d-normal          succeeds on the 2nd poll; the GLB names the model in its node names,
                            generator and extras (the normalizer must strip them)
    fake-3d-slow            queued, then running at 0.25 / 0.5 / 0.75, then succeeds; its
                            result_url is relative
    fake-3d-presigned       succeeds; result_url is on another host name (localhost), like a
                            pre-signed storage URL, which must not receive the API key
    fake-3d-failed          the job fails with an error that names the model
    fake-3d-error-500       POST /jobs answers HTTP 500 quoting the model
    fake-3d-malformed       POST /jobs answers 200 with a body that is not JSON
    fake-3d-malformed-poll  polling answers JSON with an unknown status
    fake-3d-corrupt         succeeds; the result is bytes that are not a 3D file
    fake-3d-oversized       succeeds; the result is 3 MB sent without a Content-Length
    fake-3d-forever         stays "running" for ever
    fake-3d-flaky-poll      the 1st and 2nd polls answer HTTP 503, then it behaves as normal
    fake-3d-down-poll       every poll answers HTTP 503
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

import trimesh

from tests.fakes.loopback import LoopbackHTTPServer
from tests.fakes.media_server import Received

OVERSIZED_BYTES = 3 * 1024 * 1024


def fingerprinted_glb(model: str) -> bytes:
    """A small GLB that names `model` in every place an exporter might."""
    scene = trimesh.Scene()
    box = trimesh.creation.box(extents=(4.0, 2.0, 1.0))
    box.apply_translation((100.0, 0.0, 0.0))
    scene.add_geometry(box, node_name=f"{model}-node", geom_name=f"{model}-mesh")
    scene.metadata["generator"] = f"SecretGen {model}"
    exported = scene.export(file_type="glb")
    assert isinstance(exported, bytes)
    return exported


@dataclass
class Job:
    model: str
    polls: int = 0
    result: str = field(default_factory=lambda: secrets.token_hex(8))


class FakeThreeDServer(LoopbackHTTPServer):
    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.jobs: dict[str, Job] = {}

    def requests_for(self, model: str) -> list[Received]:
        """Every request of the jobs created for `model`: the POST, the polls, the download."""
        ids = {job_id for job_id, job in self.jobs.items() if job.model == model}
        results = {job.result for job in self.jobs.values() if job.model == model}
        return [r for r in self.requests
                if (r.json or {}).get("model") == model
                or r.path.rsplit("/", 1)[-1] in ids
                or r.path.rsplit("/", 1)[-1].removesuffix(".glb") in results]

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        url = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        self.requests.append(Received(method, url.path,
                                      {k.lower(): v for k, v in handler.headers.items()},
                                      body, {}))
        parts = url.path.strip("/").split("/")
        if method == "POST" and parts == ["jobs"]:
            self._create(handler, body if isinstance(body, dict) else {})
        elif method == "GET" and len(parts) == 2 and parts[0] == "jobs" and parts[1] in self.jobs:
            self._poll(handler, parts[1])
        elif method == "GET" and len(parts) == 2 and parts[0] == "results":
            self._result(handler, parts[1].removesuffix(".glb"))
        else:
            _send_json(handler, 404, {"error": f"no route {url.path}"})

    def _create(self, handler: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        model = str(body.get("model", ""))
        if model == "fake-3d-error-500":
            _send_json(handler, 500, {"error": f"{model} at {self.base_url} broke"})
            return
        if model == "fake-3d-malformed":
            _send(handler, 200, b"<html>not json</html>", "application/json")
            return
        job_id = secrets.token_hex(6)
        self.jobs[job_id] = Job(model)
        _send_json(handler, 202, {"id": job_id})

    def _poll(self, handler: BaseHTTPRequestHandler, job_id: str) -> None:
        job = self.jobs[job_id]
        job.polls += 1
        model = job.model
        if model == "fake-3d-down-poll" or (model == "fake-3d-flaky-poll" and job.polls <= 2):
            _send_json(handler, 503, {"error": f"{model} is overloaded"})
            return
        step = job.polls - 2 if model == "fake-3d-flaky-poll" else job.polls  # 503s don't count
        if model == "fake-3d-malformed-poll":
            _send_json(handler, 200, {"status": "thinking", "progress": "lots"})
            return
        if model == "fake-3d-failed":
            _send_json(handler, 200, {"status": "failed", "progress": 0.3,
                                      "error": f"{model} ran out of GPU memory"})
            return
        steps = 5 if model == "fake-3d-slow" else 2
        if model == "fake-3d-forever" or step < steps:
            status = "queued" if step == 1 else "running"
            progress = 0.0 if step == 1 else (step - 1) / (steps - 1)
            _send_json(handler, 200, {"status": status, "progress": min(progress, 0.99),
                                      "error": None, "result_url": None})
            return
        path = f"/results/{job.result}.glb"
        if model == "fake-3d-slow":
            result_url = path
        elif model == "fake-3d-presigned":
            result_url = self.base_url.replace("127.0.0.1", "localhost") + path
        else:
            result_url = self.base_url + path
        _send_json(handler, 200, {"status": "succeeded", "progress": 1.0, "error": None,
                                  "result_url": result_url})

    def _result(self, handler: BaseHTTPRequestHandler, result: str) -> None:
        job = next((j for j in self.jobs.values() if j.result == result), None)
        if job is None:
            _send_json(handler, 404, {"error": "no such result"})
            return
        if job.model == "fake-3d-corrupt":
            _send(handler, 200, b"glTF\x02\x00\x00\x00" + b"\x00corrupt" * 40, "model/gltf-binary")
            return
        if job.model == "fake-3d-oversized":
            handler.send_response(200)
            handler.send_header("Content-Type", "model/gltf-binary")
            handler.send_header("Connection", "close")
            handler.end_headers()
            block = b"\x00" * 65536
            try:
                for _ in range(OVERSIZED_BYTES // len(block)):
                    handler.wfile.write(block)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped reading at its limit, as it should
            handler.close_connection = True
            return
        _send(handler, 200, fingerprinted_glb(job.model), "model/gltf-binary")


def _send(handler: BaseHTTPRequestHandler, status: int, data: bytes, content_type: str) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def _send_json(handler: BaseHTTPRequestHandler, status: int, payload: Any) -> None:
    _send(handler, status, json.dumps(payload).encode(), "application/json")

