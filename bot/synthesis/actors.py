"""Who could do what: the actors named in ideas and first steps.

The ideas prompt asks *who could do what*, and people answer in that shape: *"De gemeente
kan een beheerder zoeken"*, *"Bewoners zouden het groen kunnen adopteren"*, *"I could ask
the school"*. The words before a modal verb at the start of a sentence name the actor. Ideas
without that shape name no actor; nothing is guessed.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence

from bot.synthesis.language import Analyzer, fold, language_of, sentences, stop_words

_MODALS = {
    "nl": "kan|kunnen|kon|konden|moet|moeten|zou|zouden|gaat|gaan|wil|willen|mag|mogen",
    "en": "can|could|should|will|would|must|might|may|shall",
}
# Pronouns are stop words but fine actors: "ik kan", "we could".
_PRONOUNS = {
    "nl": {"ik", "wij", "we", "jij", "je", "u", "jullie", "zij", "ze", "hij", "iedereen"},
    "en": {"i", "we", "you", "they", "he", "she", "everyone", "everybody"},
}
_ARTICLES = {
    "nl": {"de", "het", "een"},
    "en": {"the", "a", "an"},
}
# Words that start a sentence before a modal verb without being its subject.
_NOT_ACTORS = {
    "nl": {"misschien", "dan", "daarna", "eerst", "morgen", "vandaag", "samen", "hier", "wellicht"},
    "en": {"maybe", "perhaps", "then", "first", "tomorrow", "today", "together", "here"},
}
_PATTERNS = {
    lang: re.compile(
        rf"^\s*((?:[^\W\d_]+[-']?){{1,2}}(?:\s+[^\W\d_][\w'-]*){{0,2}}?)\s+(?:{modals})\b",
        re.IGNORECASE,
    )
    for lang, modals in _MODALS.items()
}


def actor(text: str, lang: str) -> str | None:
    """The actor of the first sentence shaped *actor + modal verb*, as written (no article)."""
    lang = language_of(lang)
    stops = stop_words(lang)
    for sentence in sentences(text):
        match = _PATTERNS[lang].match(sentence)
        if not match or sentence.rstrip().endswith("?"):
            continue
        words = match.group(1).split()
        if words and fold(words[0]) in _ARTICLES[lang]:
            words = words[1:]
        if not words:
            continue
        last = fold(words[-1])
        if last in _PRONOUNS[lang] or (last not in stops and last not in _NOT_ACTORS[lang]):
            return " ".join(words)
    return None


def actors(texts: Sequence[str], respondents: Sequence[int], lang: str) -> list[tuple[str, int]]:
    """(actor, distinct people naming it), most named first; the commonest wording shown."""
    analyzer = Analyzer(lang)
    people: dict[str, set[int]] = defaultdict(set)
    wording: dict[str, Counter[str]] = defaultdict(Counter)
    for text, respondent in zip(texts, respondents, strict=True):
        found = actor(text, lang)
        if found:
            key = " ".join(analyzer.stem(word) for word in found.split())  # gemeente(n)
            people[key].add(respondent)
            wording[key][found[0].lower() + found[1:] if found[1:2].islower() else found] += 1
    result = [
        (min(wording[key].items(), key=lambda kv: (-kv[1], kv[0]))[0], len(who))
        for key, who in people.items()
    ]
    result.sort(key=lambda item: (-item[1], fold(item[0]), item[0]))
    return result
