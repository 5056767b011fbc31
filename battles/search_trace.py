"""What a search provider's events add up to: the queries, the results seen, the sources it
cites, and at the end the answer in the one citation style with the full system trace.

Read the same way for a live side (which also streams the answer to the page) and for an answer
made in advance (which has nobody to stream to), so both store the same trace.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from battles.citations import Source, citations_standardize
from battles.providers.media_base import (
    SearchEvent,
    SearchHit,
    SearchQuery,
    SearchResults,
    SourcesCited,
)


@dataclass
class SearchTrace:
    queries: list[dict[str, Any]] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)
    seen: list[SearchHit] = field(default_factory=list)  # every hit so far, for live rendering
    sources: tuple[SearchHit, ...] = ()  # the provider's own numbering of what it cites

    def add(self, event: SearchEvent, *, at_ms: int) -> None:
        if isinstance(event, SearchQuery):
            self.queries.append({"query": event.query, "at_ms": at_ms})
        elif isinstance(event, SearchResults):
            self.seen.extend(event.hits)
            self.results.append({"query": event.query, "elapsed_ms": event.elapsed_ms,
                                 "hits": [h.as_json() for h in event.hits]})
        elif isinstance(event, SourcesCited):
            self.sources = event.sources

    def finish(self, raw: str, *, first_token_ms: int | None,
               total_ms: int) -> tuple[str, list[Source], dict[str, Any]]:
        """The answer with canonical `[k]` markers, the sources they point at, and the trace."""
        text, cited = citations_standardize(raw, self.sources)
        trace = {
            "queries": self.queries,
            "results": self.results,
            "provider_sources": [h.as_json() for h in self.sources],
            "citations": cited,
            "raw_answer": raw,
            "timings": {"first_token_ms": first_token_ms, "total_ms": total_ms,
                        "search_ms": sum(r["elapsed_ms"] for r in self.results)},
        }
        return text, cited, trace
