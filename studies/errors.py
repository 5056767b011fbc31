"""Study rule violations: the platform's ArenaError, so the API answers them the same way."""

from battles.errors import ArenaError, Conflict, Forbidden, NotFound


class PromptSetInvalid(ArenaError):
    """An uploaded prompt set with bad lines; `problems` names each one, nothing was imported."""

    code = "prompt_set_invalid"

    def __init__(self, problems: list[str]):
        shown = "; ".join(problems[:20])
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        super().__init__(f"The prompt set was not imported: {shown}{more}")
        self.problems = problems


__all__ = ["ArenaError", "Conflict", "Forbidden", "NotFound", "PromptSetInvalid"]
