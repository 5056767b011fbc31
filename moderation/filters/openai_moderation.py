"""OpenAI-compatible moderation endpoints: `POST {endpoint}/moderations`.

Options: `endpoint` (base URL, e.g. http://host:8000/v1), `model` (optional), `api_key_env`
(name of the environment variable holding the key, never the key), `timeout` (seconds, 5),
`categories` (only these count; default: the server's `flagged`), `batch` (most texts sent in
one request by `check_many`, 32), and `on_error`: "allow" (default: an unreachable moderation
server does not stop the arena; a warning is logged) or "block" (refuse prompts while it is down).

`check_many` sends many texts as the protocol's list `input` and reads one result per text, so
an uploaded prompt set of a thousand lines costs about thirty requests, not a thousand.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from typing import Any

import httpx

from moderation.filters.base import Finding, filter_kind

logger = logging.getLogger(__name__)


class ModerationUnavailable(Exception):
    pass


class OpenAIModerationFilter:
    name = "openai_moderation"
    remote = True

    def __init__(self, config: dict[str, Any]) -> None:
        endpoint = config["endpoint"]
        if not isinstance(endpoint, str) or not endpoint.startswith(("http://", "https://")):
            raise ValueError("`endpoint` must be an http(s) URL.")
        self.url = endpoint.rstrip("/") + "/moderations"
        self.model = config.get("model")
        self.api_key_env = config.get("api_key_env") or ""
        self.timeout = float(config.get("timeout", 5))
        self.categories = set(config.get("categories") or [])
        self.on_error = config.get("on_error", "allow")
        if self.on_error not in ("allow", "block"):
            raise ValueError("`on_error` must be allow or block.")
        self.batch = config.get("batch", 32)
        if not isinstance(self.batch, int) or not 1 <= self.batch <= 256:
            raise ValueError("`batch` must be a whole number from 1 to 256.")

    def _request(self, text: str | list[str]) -> list[Any]:
        """The server's results; for a list input, exactly one per text, in order."""
        headers = {}
        key = os.environ.get(self.api_key_env, "") if self.api_key_env else ""
        if key:
            headers["Authorization"] = f"Bearer {key}"
        body: dict[str, Any] = {"input": text}
        if self.model:
            body["model"] = self.model
        try:
            response = httpx.post(self.url, json=body, headers=headers, timeout=self.timeout)
            response.raise_for_status()
            payload = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise ModerationUnavailable(str(error)) from error
        if not isinstance(payload, dict) or not isinstance(payload.get("results"), list):
            raise ModerationUnavailable("the moderation server sent no `results` list")
        results: list[Any] = payload["results"]
        if isinstance(text, list) and len(results) != len(text):
            raise ModerationUnavailable(f"the moderation server sent {len(results)} results "
                                        f"for {len(text)} inputs")
        return results

    def _unavailable(self, error: ModerationUnavailable) -> list[Finding]:
        logger.warning("moderation endpoint %s failed: %s", self.url, error)
        if self.on_error == "block":
            return [Finding("moderation_unavailable",
                            "our safety check is unavailable right now; please try later")]
        return []

    def check(self, text: str) -> list[Finding]:
        try:
            results = self._request(text)
        except ModerationUnavailable as error:
            return self._unavailable(error)
        return self._findings(results)

    def check_many(self, texts: Sequence[str]) -> list[list[Finding]]:
        """Each text's findings, `batch` texts per request; a failed request counts for each of
        its texts as `on_error` says."""
        found: list[list[Finding]] = []
        for start in range(0, len(texts), self.batch):
            chunk = list(texts[start:start + self.batch])
            try:
                # One text goes as a plain string, as `check` sends it: the form every
                # compatible server takes.
                results = self._request(chunk if len(chunk) > 1 else chunk[0])
            except ModerationUnavailable as error:
                found += [self._unavailable(error)] * len(chunk)
                continue
            if len(chunk) == 1:
                found.append(self._findings(results))
            else:
                found += [self._findings([result]) for result in results]
        return found

    def _findings(self, results: list[Any]) -> list[Finding]:
        hits: set[str] = set()
        for result in results:
            if not isinstance(result, dict):
                continue
            categories = result.get("categories") or {}
            flagged_categories = {name for name, on in categories.items() if on}
            if self.categories:
                hits |= flagged_categories & self.categories
            elif result.get("flagged"):
                hits |= flagged_categories or {"flagged"}
        if not hits:
            return []
        return [Finding("unsafe", f"it was flagged as unsafe ({', '.join(sorted(hits))})")]


filter_kind("openai_moderation")(OpenAIModerationFilter)
