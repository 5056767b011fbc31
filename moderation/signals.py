"""Signals other apps hook into.

`votes_invalidated` is sent (after the transaction commits) whenever votes that counted stop
counting: a moderator invalidation, a ban that invalidates past votes, an identity leak found
after the vote, a deleted profile. The leaderboard connects a receiver that queues a recompute
of the arenas named in `arena_ids`.
"""

from __future__ import annotations

from django.dispatch import Signal

votes_invalidated = Signal()  # kwargs: arena_ids: list[int], reason: str
