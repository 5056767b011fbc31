"""The arena's moderation applied to a researcher's prompt set, line by line, before import.

Prompts in a study come from the researcher, not from annotators, but they reach every
annotator and later a public release, so they pass the same checks as a prompt typed into the
arena, through the same entry point (`moderation.services.screening.prompts_check`): every
prompt filter of the arena, remote ones (a hosted moderation endpoint) included, which get the
lines in batches. The one personal-data detector (`moderation.pii`) refuses checked personal
data (an email, a Luhn-valid card...) even where the arena has no PII filter configured, and
such a line is refused before the chain runs, so it is never sent to a remote endpoint.
Unchecked look-alikes (a name, a number shaped like a phone) do not refuse a line: they leave a
moderation flag for review, as the arena's output screening does.

A remote filter that cannot be reached does what the arena set for live prompts (`on_error`):
"allow" lets the lines through, "block" refuses each line with the reason, so the researcher can
upload again later.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from moderation.filters.pii import pii_found
from moderation.models import Flag, FlagKind
from moderation.pii import pii_matches, pii_redact
from moderation.services.screening import prompts_check
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
    personal = {row.line: pii_found(row.text) for row in rows}
    screened = [row for row in rows if not personal[row.line]]
    refusals = dict(zip((row.line for row in screened),
                        prompts_check(arena=study.arena, prompts=[row.text for row in screened]),
                        strict=True))
    for row in rows:
        refusal = refusals.get(row.line)
        if personal[row.line]:
            screening.problems.append(f"line {row.line}: it contains personal data "
                                      f"({', '.join(personal[row.line])}); please remove it")
        elif refusal is not None:
            screening.problems.append(f"line {row.line}: refused by the arena's "
                                      f"{refusal.source} filter: {refusal.finding.detail}")
        elif unchecked := sorted({m.kind.lower() for m in pii_matches(row.text) if not m.checked}):
            screening.flags.append(Flag(
                kind=FlagKind.PROMPT, blocked=False, reason="pii", source=SOURCE,
                arena=study.arena, excerpt=pii_redact(row.text)[:2000],
                detail=f"study {study.slug}, line {row.line}: may hold personal data "
                       f"({', '.join(unchecked)})"))
    return screening
