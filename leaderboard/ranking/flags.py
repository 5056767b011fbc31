"""Names and plain words for what the votes cannot support (torch-free, for pages and the CLI).

:mod:`leaderboard.ranking.support` decides which contender gets which flag.
"""

from __future__ import annotations

DISCONNECTED = "disconnected"
UNBEATEN = "unbeaten"
WINLESS = "winless"
FEW_VOTES = "few_votes"
TIES_ONLY = "ties_only"

FLAG_TEXT = {
    DISCONNECTED: "never compared, directly or through others, with the main group",
    UNBEATEN: "never lost to the rest of the field, so its rating has no upper bound",
    WINLESS: "never beat the rest of the field, so its rating has no lower bound",
    FEW_VOTES: "too few votes",
    TIES_ONLY: "every vote a tie, which gives no measure of its uncertainty",
}
