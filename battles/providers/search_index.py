"""BM25 over the bundled passages in `battles/data/search_corpus.jsonl`: the offline demo's
"web". Built once per process; `bm25s` does the scoring."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path

import bm25s

from .media_base import SearchHit

CORPUS = Path(__file__).resolve().parent.parent / "data" / "search_corpus.jsonl"


@dataclass(frozen=True)
class ScoredHit:
    hit: SearchHit
    score: float


@functools.cache
def _index() -> tuple[bm25s.BM25, list[SearchHit]]:
    hits = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            hits.append(SearchHit(url=row["url"], title=row["title"], snippet=row["text"]))
    retriever = bm25s.BM25()
    retriever.index(
        bm25s.tokenize([f"{h.title} {h.snippet}" for h in hits], stopwords="en",
                       show_progress=False),
        show_progress=False,
    )
    return retriever, hits


def corpus_search(query: str, *, k: int = 5) -> list[ScoredHit]:
    """The best `k` passages with a positive score, best first."""
    retriever, hits = _index()
    if not re.search(r"\w", query):
        return []
    tokens = bm25s.tokenize([query], stopwords="en", show_progress=False)
    if not any(tokens.ids):
        return []
    documents, scores = retriever.retrieve(tokens, k=min(k, len(hits)), show_progress=False)
    return [ScoredHit(hits[int(i)], float(s)) for i, s in zip(documents[0], scores[0], strict=True)
            if float(s) > 0]
