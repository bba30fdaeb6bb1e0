"""Phase kinds: what a kind of phase (story, headline, dream, ideas, free text) asks of the
template loader, the synthesizer and the summary.

A template names each phase's kind (``kind = "story"``; the older ``role = "story"`` is read
the same way), and everything that treats kinds differently asks the :class:`PhaseKind`
instead of comparing names: :mod:`bot.core.templates` checks the name and the keys a kind
needs, :mod:`bot.synthesis.offline` whether answers are themed, listed, titled by headlines or
searched for actors, :mod:`bot.core.render` which ``summary.section.*`` text heads the list.

To add a kind (dot-voting, say), write one object and register it where the kind lives::

    VOTE = register(PhaseKind("vote", listed=True, requires=("options",)))

and add its ``summary.section.vote`` text to ``prompts/messages/summary.*.toml`` (or point
``section`` at an existing one). Nothing else branches on kind names.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.registry import Registry, Unregistered

DEFAULT_KIND = "text"


@dataclass(frozen=True)
class PhaseKind:
    """One kind of phase and what it needs.

    ``themed``: its answers are grouped into themes with quotes. ``listed``: its answers are
    also listed, near-duplicates merged. ``names_actors``: who could act ("wie kan wat doen")
    is gathered from its answers. ``gives_titles``: each respondent's answer is a headline
    that may title the theme their other answers fall in; ``takes_titles``: its themes may be
    titled so. ``splits_by_choice``: its answers are themed apart per value of the phase's
    choice (knel and kiem stories, the contrast the method is built on). ``section``: the
    ``summary.section.<section>`` text that heads its list (the kind's name unless given).
    ``requires``: keys its table in a template must have. ``ballot``: not a question but a
    stage after the round's close in which participants fill in a ballot about the round's
    synthesis (dot-voting, reactions to the draft harvest; :mod:`bot.core.stages`): a
    template lists it after its questions, and it opens when the round closes.
    ``proposes``: its listed answers are proposals, what ``stem over ideeen`` votes on.
    """

    name: str
    themed: bool = False
    listed: bool = False
    names_actors: bool = False
    gives_titles: bool = False
    takes_titles: bool = False
    splits_by_choice: bool = False
    ballot: bool = False
    proposes: bool = False
    section: str = ""
    requires: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if not self.section:
            object.__setattr__(self, "section", self.name)

    @property
    def section_key(self) -> str:
        """The catalog key of the heading over this kind's listed answers."""
        return f"summary.section.{self.section}"


class UnknownPhaseKind(Unregistered):
    """A kind name nobody registered; the message lists the ones that are."""

    what = "phase kind"


PHASE_KINDS: Registry[PhaseKind] = Registry(UnknownPhaseKind)


def register(kind: PhaseKind) -> PhaseKind:
    """Make ``kind`` known to templates, synthesis and rendering; a name is registered once."""
    return PHASE_KINDS.add(kind.name, kind)


def phase_kind(name: str) -> PhaseKind:
    """The registered kind called ``name``."""
    return PHASE_KINDS.named(name)


def kind_names() -> tuple[str, ...]:
    """The registered kinds' names, in the order they were registered."""
    return tuple(PHASE_KINDS)


# The appreciative-inquiry kinds (PRODUCT.md §2) and free text.
STORY = register(PhaseKind("story", themed=True, takes_titles=True, splits_by_choice=True))
HEADLINE = register(PhaseKind("headline", listed=True, gives_titles=True))
DREAM = register(PhaseKind("dream", themed=True, listed=True))
IDEAS = register(PhaseKind("ideas", themed=True, listed=True, names_actors=True, proposes=True))
TEXT = register(PhaseKind("text", themed=True))
# Ballot stages after the questions (issue 17): dot-voting on the round's themes or ideas
# (``options = "themes"``, ``"ideas"`` or a list), and reactions to the draft harvest.
VOTE = register(PhaseKind("vote", ballot=True, requires=("options",)))
FEEDBACK = register(PhaseKind("feedback", ballot=True))
