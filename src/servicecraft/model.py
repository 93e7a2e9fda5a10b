"""Plain data classes shared by every layer: conversations in, scorecards out.

Nothing here imports anything from the rest of the package; every other module
may import this one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

# The default rubric's skills, in display order (rubrics may add their own).
SKILLS: tuple[str, ...] = (
    "rapport",
    "empathy",
    "respect",
    "ownership",
    "honesty",
    "solution",
    "proactivity",
    "clarity",
)
Role = Literal["customer", "agent", "system"]
ROLES: frozenset[str] = frozenset({"customer", "agent", "system"})
Effect = Literal["+", "-"]


@dataclass(slots=True, frozen=True)
class Message:
    """One turn of a conversation."""

    role: Role
    text: str
    author: str | None = None
    department: str | None = None
    at: datetime | None = None
    # False for internal notes (e.g. Zendesk private comments): kept for handoff
    # tracking but never shown to, or scored as said to, the customer.
    public: bool = True


@dataclass(slots=True, frozen=True)
class Survey:
    """The customer's answers to a post-conversation survey (all optional)."""

    csat: float | None = None  # 1..5
    nps: int | None = None  # 0..10
    ces: float | None = None  # 1..7
    comment: str | None = None


@dataclass(slots=True)
class Conversation:
    """The one conversation model every importer produces."""

    id: str
    messages: list[Message]
    channel: str | None = None
    survey: Survey | None = None
    tags: list[str] = field(default_factory=list)
    status: str | None = None


@dataclass(slots=True, frozen=True)
class Rejection:
    """A record an importer could not turn into a conversation."""

    source: str  # file name as given by the user
    location: str  # "line 12" or "record 3"
    reason: str

    def __str__(self) -> str:
        return f"{self.source}:{self.location}: {self.reason}"


@dataclass(slots=True, frozen=True)
class Evidence:
    """Why a skill scored as it did: a span of one message that helped or hurt."""

    message: int  # index into Conversation.messages
    start: int  # character offsets into that message's text
    end: int
    text: str
    effect: Effect
    reason: str
    weight: float = 0.0
    # Who wrote the quoted message: evidence is credited to its own author, never to the
    # conversation's owner when another agent (or the customer) said it.
    author: str | None = None


@dataclass(slots=True)
class SkillScore:
    """One skill's measurement: a score only where the conversation shows the skill.

    ``score`` is None ("not observed") when nothing in the conversation speaks to the skill;
    a number always comes with evidence quoting the conversation.
    """

    skill: str
    score: float | None  # 0..100, or None: not observed
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def observed(self) -> bool:
        return self.score is not None


@dataclass(slots=True, frozen=True)
class Hindrance:
    """An agent citing a policy or a system as the reason they cannot help."""

    message: int
    start: int
    end: int
    text: str
    kind: Literal["policy", "system"]


@dataclass(slots=True)
class Metrics:
    handoffs: int = 0
    one_touch: bool = True
    customer_messages_before_straight_answer: int | None = None
    chasers: int = 0
    first_response_seconds: float | None = None
    hindrances: list[Hindrance] = field(default_factory=list)


@dataclass(slots=True)
class Scorecard:
    """The engine's verdict on one conversation."""

    conversation_id: str
    score: float | None
    skills: dict[str, SkillScore]
    metrics: Metrics
    agent: str | None = None  # the agent who handled most of the conversation
    # One dict per message: index, role, author, department and per-message signals
    # (e.g. "politeness", "chaser", "straight_answer").
    messages: list[dict[str, Any]] = field(default_factory=list)
    # Predicted outcomes, filled by learned predictors when they are enabled.
    outcomes: dict[str, Any] | None = None
    # Skill scores per agent, from the evidence in that agent's own messages (and the
    # customer's reactions to them), for conversations that more than one agent handled.
    agents: dict[str, dict[str, SkillScore]] = field(default_factory=dict)
