"""The arena's moderation applied to a researcher's prompt set, line by line, before import.

Prompts in a study come from the researcher, not from annotators, but they reach every
annotator and later a public release, so they pass the same checks as a prompt typed into the
arena: each prompt filter of the arena (`moderation.services.screening.arena_filters`) refuses
the lines it objects to, and the one personal-data detector (`moderation.pii`) refuses checked
personal data (an email, a Luhn-valid card...) even where the arena has no PII filter
configured. Unchecked look-alikes (a name, a number shaped like a phone) do not refuse a line:
they leave a moderation flag for review, as the arena's output screening does.

Remote filters (a hosted moderation API) are not run here: an upload is checked inside one
request, and thousands of remote calls would not fit in it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from moderation.filters.pii import pii_found
from moderation.models import Flag, FlagKind
from moderation.pii import pii_matches, pii_redact
from moderation.services.screening import arena_filters
from studies.models import Study
from studies.prompt_set import PromptRow

SOURCE = "study_prompt_set"


@dataclass
class PromptSetScreening:
    problems: list[str] = field(default_factory=list)  # one per refused line: "line 3: ..."
    flags: list[Flag] = field(default_factory=list)  # unsaved; stored with the import


def prompt_set_screen(*, study: Study, rows: list[PromptRow]) -> PromptSetScreening:
    """What the arena's filters say about every row; nothing is stored here."""
    screening = PromptSetScreening()
    configured = [f for f in arena_filters(study.arena)
                  if "prompt" in f.applies_to and not f.filter.remote]
    for row in rows:
        reasons: list[str] = []
        for entry in configured:
            for finding in entry.filter.check(row.text):
                reasons.append(f"refused by the arena's {entry.filter.name} filter: "
                               f"{finding.detail}")
        checked = pii_found(row.text)
        if checked and not any("personal data" in reason for reason in reasons):
            reasons.append(f"it contains personal data ({', '.join(checked)}); please remove it")
        if reasons:
            screening.problems.append(f"line {row.line}: {'; '.join(reasons)}")
            continue
        unchecked = sorted({m.kind.lower() for m in pii_matches(row.text) if not m.checked})
        if unchecked:
            screening.flags.append(Flag(
                kind=FlagKind.PROMPT, blocked=False, reason="pii", source=SOURCE,
                arena=study.arena, excerpt=pii_redact(row.text)[:2000],
                detail=f"study {study.slug}, line {row.line}: may hold personal data "
                       f"({', '.join(unchecked)})"))
    return screening
