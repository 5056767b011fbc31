"""The shape every modality declares, and the typed per-arena settings they share.

A modality (text, search, image, music, 3D, …) is one module under `battles/modalities/` that
builds one `ModalitySpec`. Platform code (battle start, turns, side running, the relay, voting,
seeding, pages, releases) reads the spec and never branches on a modality's name, so adding one
means writing that module, its template partial and its script, plus one registry line.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator, model_validator

from battles.media import CleanMedia
from battles.providers.base import ChatMessage, ProviderSettings
from leaderboard.ranking.methods import DEFAULT_METHOD, STYLE_METHOD, method_check


class AspectSetting(BaseModel):
    """One aspect an arena asks about beside the overall vote (see `Aspect`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    slug: str = Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")
    label: str = Field(min_length=1, max_length=60)
    question: str = Field(default="", max_length=200)
    required: bool = False


class ArenaSettings(BaseModel):
    """What every arena may set in `Arena.settings`; a modality extends it with its own fields.

    Unknown keys are refused (a typo fails when the admin saves, not when a task first reads
    it). Values are plain JSON so the field stays a JSONField.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    both_bad: Literal["tie", "drop"] = "tie"
    ci: Literal["sandwich", "bootstrap"] = "sandwich"
    num_bootstrap: int = Field(default=1000, ge=10, le=100_000)
    # Two thresholds on a contender's votes: below `unranked_below_votes` it gets no rank (the
    # `few_votes` flag), below `provisional_votes` a ranked row carries a "provisional" badge.
    unranked_below_votes: int = Field(default=10, ge=1, le=1_000_000)
    provisional_votes: int = Field(default=30, ge=0, le=1_000_000)
    filters: list[dict[str, Any]] = Field(default_factory=list)
    # Whether annotators see a model's reasoning (collapsed, above the answer); off by default,
    # since reasoning may say more about a model than its answer does.
    show_reasoning: StrictBool = False
    # Aspects voted beside the overall choice; None keeps the modality's own (spec.aspects),
    # [] asks none.
    aspects: list[AspectSetting] | None = None
    # Ranking methods the leaderboard publishes (leaderboard.ranking.methods), the first by
    # default; the style-controlled board follows style control, not this list.
    methods: list[str] = Field(default_factory=lambda: [DEFAULT_METHOD], min_length=1, max_length=4)

    @model_validator(mode="after")
    def _provisional_after_unranked(self) -> ArenaSettings:
        if self.provisional_votes < self.unranked_below_votes:
            raise ValueError("provisional_votes must be at least unranked_below_votes: a row "
                             "without a rank cannot be less than provisional")
        return self

    @field_validator("methods")
    @classmethod
    def _registered_methods(cls, methods: list[str]) -> list[str]:
        for name in methods:
            method_check(name)
            if name == STYLE_METHOD:
                raise ValueError(f"{STYLE_METHOD} is published through style control, not listed here")
        if len(set(methods)) != len(methods):
            raise ValueError("a ranking method is listed twice")
        return methods
    # How pairs are picked: "weighted" by the admin's sampling weights, or "active": by how
    # much a vote would shrink the uncertainty between contenders whose intervals overlap,
    # times those weights, with a share `exploration_floor` of draws by the weights alone
    # (battles/active_sampling.py). The floor has a safe minimum so no pair starves.
    matchmaking: Literal["weighted", "active"] = "weighted"
    exploration_floor: float = Field(default=0.2, ge=0.05, le=1.0)
    # The head of the board active sampling works on: pairs where a contender could be in the
    # top N get the votes (0: the whole board; bench/active_sampling.py shows why the head).
    active_focus_top: int = Field(default=20, ge=0, le=10_000)
    # Per-group boards (country, age band, language; consenting annotators only) need at least
    # this many distinct annotators in the group; the floor keeps a board from describing a
    # handful of people.
    group_min_annotators: int = Field(default=20, ge=5, le=1_000_000)


Send = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class SidePlan:
    """What a runner gets for one side of a turn (built by battles/sides/plan.py).

    Messages to the page name only the side (`a` / `b`), never the contender: `labels` and
    `contender_id` are for provider health and metrics, which never reach the page.
    """

    side: str
    generation_id: int
    settings: ProviderSettings
    messages: list[ChatMessage]
    contender_id: int = 0
    labels: tuple[str, str] = ("", "")  # (arena slug, contender slug), for metrics only
    modality: str = "text"
    prompt: str = ""
    request: dict[str, Any] = field(default_factory=dict)  # the modality's reading of the prompt
    arena_settings: ArenaSettings = field(default_factory=lambda: ArenaSettings())
    battle_id: str = ""


Runner = Callable[[SidePlan, int, Send], Awaitable[None]]


@dataclass(frozen=True)
class Aspect:
    """A dimension voted on beside the overall choice (A / B / tie), e.g. 3D geometry."""

    slug: str
    label: str
    question: str
    required: bool = False


@dataclass(frozen=True)
class ExposureGate:
    """The vote opens only after the annotator spent enough time with each side's media.

    The page reports player or viewer events (battles/listening.py); `setting` names the arena
    setting with the minimum seconds per side. Audio counts the stretches heard, bounded by the
    track's length; a 3D viewer reports cumulative seconds viewed the same way.
    """

    setting: str
    verb: str  # "Listen to", "Look at"
    noun: str  # "tracks", "models"
    measured: str  # "heard", "viewed"
    bounded_by_duration: bool = True


@dataclass(frozen=True)
class DemoContender:
    slug: str
    name: str
    provider_kind: str
    params: dict[str, Any] = field(default_factory=dict)
    capabilities: dict[str, Any] = field(default_factory=dict)
    sampling_weight: float = 1.0


@dataclass(frozen=True)
class DemoArena:
    """The arena `seed_demo` creates for this modality, with offline contenders."""

    slug: str
    name: str
    description: str
    contenders: tuple[DemoContender, ...]
    max_turns: int | None = None
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AdvanceAnswer:
    """One answer made offline, with no battle and no page (a study's answers made in advance).

    `kind` says how a page shows it: "text" (sanitized Markdown), "search" (text whose `[k]`
    markers point at `trace["citations"]`), or the normalized file's kind ("image", "audio",
    "model"), in which case `media` holds the file already in the arena's one format.
    """

    kind: str
    text: str = ""
    reasoning: str = ""
    trace: dict[str, Any] = field(default_factory=dict)
    media: CleanMedia | None = None

    @classmethod
    def of_media(cls, media: CleanMedia) -> AdvanceAnswer:
        return cls(kind=media.kind, media=media)


ProviderFactory = Callable[[ProviderSettings], Any]
# (prompt, settings, the verified reference image's storage name or None) -> the turn request
Route = Callable[[str, ArenaSettings, str | None], dict[str, Any]]
Fits = Callable[[dict[str, Any], dict[str, Any]], bool]
TurnNotice = Callable[[dict[str, Any], int], dict[str, Any] | None]
# (the contender's provider settings, the prompt, what `route` read from it, the arena's
# settings) -> one answer; ProviderError (or a timeout) when the model fails
Advance = Callable[[ProviderSettings, str, dict[str, Any], ArenaSettings], Awaitable[AdvanceAnswer]]


def _any_prompt(prompt: str, settings: ArenaSettings, image_ref: str | None) -> dict[str, Any]:
    return {}


def _every_contender(capabilities: dict[str, Any], request: dict[str, Any]) -> bool:
    return True


def _no_notice(request: dict[str, Any], turn_index: int) -> dict[str, Any] | None:
    return None


@dataclass(frozen=True)
class ModalitySpec:
    """Everything that differs between modalities, in one place.

    - `provider_kinds` and `provider_for`: which backends an admin can pick, and how one is built
      from a contender's settings (ValueError for an unknown kind).
    - `runner`: how one side of a turn runs (battles/sides/guard.py settles its outcome).
      `in_worker` sides are made by Celery workers (queued by the battle service on commit)
      and relayed to the page; the others stream from the web process.
    - `route` reads an accepted prompt, with the storage name of a verified reference image
      when `accepts_image` and the annotator uploaded one (battles/reference_images.py); what it
      returns is stored on the turn (ArenaError if refused), so a worker finds the image. `fits`
      says whether a contender's capabilities can answer it; `turn_notice` is an optional
      message shown while a worker-made turn is made (the music router's reading).
    - `gate`: a minimum time with each side's media before the vote; `max_turns`: a hard cap
      beside the arena's own; `aspects`: default aspects voted beside the overall choice.
    - `style_features`: whether the text style features (length, markdown) describe answers, so
      a style-controlled board means something.
    - `template` / `script`: the page partial and JavaScript module the arena page includes.
    - `release_kind` / `release_task`: the columns a data release carries (releases/schema.py)
      and the task its dataset card names.
    - `advance`: makes one answer offline (studies make theirs in advance) with the same
      provider and normalizer as `runner`; None where the modality cannot, and a study of it
      then fails each item with that reason. `diverse`: whether one model can be asked for K
      different answers in one text reply (a study's negatively-correlated sampling).
    """

    slug: str
    label: str
    provider_kinds: tuple[tuple[str, str], ...]
    provider_for: ProviderFactory
    runner: Runner
    settings_model: type[ArenaSettings] = ArenaSettings
    in_worker: bool = False
    answer_noun: str = "answer"
    route: Route = _any_prompt
    accepts_image: bool = False
    fits: Fits = _every_contender
    turn_notice: TurnNotice = _no_notice
    gate: ExposureGate | None = None
    max_turns: int | None = None
    aspects: tuple[Aspect, ...] = ()
    style_features: bool = True
    template: str = ""
    script: str = ""
    release_kind: str = "text"  # text | search | media | media_exposure (releases/schema.py)
    release_task: str = "text-generation"  # the Hugging Face task category in the card
    media_kind: str = ""
    advance: Advance | None = None
    diverse: bool = False
    demo: DemoArena | None = None
    help: str = ""

    def settings_parse(self, raw: object) -> ArenaSettings:
        """The arena's settings, typed; pydantic's ValidationError says which key is wrong."""
        return self.settings_model.model_validate(raw or {})
