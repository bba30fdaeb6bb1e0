"""Optional LLM pass: better theme names and prose from an OpenAI-compatible endpoint.

The offline synthesizer groups the answers; the model only sees the published themes (their
scrubbed answers, never a respondent number) and may rename each theme, say what sets it
apart, say what the answers share, and pick quotes. It never regroups: themes are matched by
id and their answers stay as they were. Every quote must be an exact substring of an answer
of its theme. On an HTTP error, a timeout, a refusal or any reply that breaks these rules the
offline summary is used, so the summary is always safe to post.

Works with OpenAI, Azure OpenAI (v1 API), vLLM and Ollama: ``POST {url}/chat/completions``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import re
from collections.abc import Mapping
from typing import Any

import aiohttp
from yarl import URL

from bot.core.summary import PhaseSummary, Summary, SynthesisRequest, Synthesizer, Theme
from bot.synthesis.offline import OfflineSynthesizer

log = logging.getLogger(__name__)

MAX_ANSWERS = 40  # answers of one theme sent to the model
MAX_LABEL = 80
MIN_QUOTE = 12  # characters, unless the quote is a whole answer
MAX_QUOTE = 500  # characters; the offline quotes keep to 300
MAX_PROSE = 400
LANGUAGES = {"nl": "Dutch", "en": "English"}

INSTRUCTIONS = """You help summarise an anonymous dialogue round. Answers were grouped into \
themes; keep the grouping exactly as given. For each theme write a short label (at most 6 \
words) and one sentence on what sets it apart from the other themes; pick 1 to 3 quotes, \
each copied character for character from that theme's answers (a whole answer or an exact \
part of one; never edit, translate or join them). For each phase write one sentence on what \
the answers share across themes, and one for the round as a whole. Write in {language}. \
Never name or guess who wrote anything. Reply with JSON only, in this form: \
{{"round": "...", "phases": [{{"key": "...", "shared": "...", "themes": [{{"id": "...", \
"label": "...", "distinct": "...", "quotes": ["..."]}}]}}]}}"""


class LLMReplyError(Exception):
    """The model's reply cannot be used (refused, malformed, or it broke a rule)."""


class LLMSynthesizer:
    """Offline synthesis, then names and prose from a chat-completions endpoint if it behaves."""

    def __init__(
        self,
        offline: Synthesizer | None = None,
        url: str = "",
        model: str = "",
        api_key: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.offline = offline or OfflineSynthesizer()
        self.url = URL(url)
        self.model = model
        self.api_key = api_key
        self.timeout = timeout

    async def synthesize(self, request: SynthesisRequest) -> Summary:
        summary = await self.offline.synthesize(request)
        if not summary.published or not any(p.themes for p in summary.phases):
            return summary
        try:
            reply = await self._ask(request, summary)
            return _apply(request, summary, reply)
        except (aiohttp.ClientError, TimeoutError, LLMReplyError, ValueError) as exc:
            log.warning("LLM synthesis not used, offline summary posted: %s", _reason(exc))
            return summary

    def _endpoint(self) -> URL:
        # with_path drops the query, which Azure OpenAI needs (api-version)
        path = self.url.path.rstrip("/") + "/chat/completions"
        return self.url.with_path(path).with_query(self.url.query)

    async def _ask(self, request: SynthesisRequest, summary: Summary) -> dict[str, Any]:
        language = LANGUAGES.get(request.language, "Dutch")
        material = json.dumps(_material(request, summary), ensure_ascii=False)
        body = {
            "model": self.model,
            "temperature": 0,
            "seed": 0,
            "response_format": {"type": "json_object"},
            "messages": [
                {"role": "system", "content": INSTRUCTIONS.format(language=language)},
                {"role": "user", "content": material},
            ],
        }
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
            headers["api-key"] = self.api_key  # Azure OpenAI's header
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with (
            asyncio.timeout(self.timeout),
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(self._endpoint(), json=body, headers=headers) as response,
        ):
            if response.status != 200:
                raise LLMReplyError(f"HTTP {response.status}")
            data = await response.json(content_type=None)
        return _content(data)


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _theme_id(phase: PhaseSummary, number: int) -> str:
    return f"{phase.key}/{number + 1}"


def _material(request: SynthesisRequest, summary: Summary) -> dict[str, Any]:
    """What the model sees: published phases and themes with their scrubbed answers."""
    phases = []
    for phase in summary.phases:
        if not phase.published or not phase.themes:
            continue
        themes = []
        for number, theme in enumerate(phase.themes):
            answers = sorted({request.answers[i].text for i in theme.answers})
            themes.append(
                {
                    "id": _theme_id(phase, number),
                    "label": theme.label,
                    "answers": answers[:MAX_ANSWERS],
                }
            )
        phases.append({"key": phase.key, "title": phase.title, "themes": themes})
    return {"theme": request.theme or "", "phases": phases}


def _content(data: Any) -> dict[str, Any]:
    """The JSON object in a chat-completions reply; refusals and filtered replies raise."""
    try:
        choice = data["choices"][0]
        message = choice["message"]
    except (KeyError, IndexError, TypeError):
        raise LLMReplyError("no choices in the reply") from None
    if message.get("refusal"):
        raise LLMReplyError("the model refused")
    if choice.get("finish_reason") in ("content_filter", "length"):
        raise LLMReplyError(f"finish_reason {choice['finish_reason']}")
    content = message.get("content")
    if not isinstance(content, str) or not content.strip():
        raise LLMReplyError("empty reply")
    text = re.sub(r"^```(?:json)?\s*|\s*```$", "", content.strip())
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError:
        raise LLMReplyError("the reply is not JSON") from None
    if not isinstance(parsed, dict):
        raise LLMReplyError("the reply is not a JSON object")
    return parsed


def _line(value: Any, limit: int, what: str) -> str:
    if not isinstance(value, str) or not value.strip() or "\n" in value.strip():
        raise LLMReplyError(f"{what} is not one line of text")
    value = " ".join(value.split())
    if len(value) > limit:
        raise LLMReplyError(f"{what} is longer than {limit} characters")
    return value


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise LLMReplyError("the reply does not have the asked form")
    return value


def _apply(request: SynthesisRequest, summary: Summary, reply: Mapping[str, Any]) -> Summary:
    """The offline summary with the model's names, prose and checked quotes."""
    by_key = {p.get("key"): p for p in _list(reply.get("phases")) if isinstance(p, dict)}
    phases = []
    for phase in summary.phases:
        given = by_key.get(phase.key)
        if not phase.published or not phase.themes or given is None:
            phases.append(phase)
            continue
        themes_given = {t.get("id"): t for t in _list(given.get("themes")) if isinstance(t, dict)}
        themes = []
        for number, theme in enumerate(phase.themes):
            told = themes_given.get(_theme_id(phase, number))
            themes.append(theme if told is None else _theme(request, theme, told))
        shared = phase.shared
        if given.get("shared"):
            shared = (_line(given["shared"], MAX_PROSE, "shared"),)
        phases.append(dataclasses.replace(phase, themes=tuple(themes), shared=shared))
    overall = summary.shared
    if reply.get("round"):
        overall = (_line(reply["round"], MAX_PROSE, "round"),)
    return dataclasses.replace(summary, phases=tuple(phases), shared=overall)


def _theme(request: SynthesisRequest, theme: Theme, told: Mapping[str, Any]) -> Theme:
    texts = [request.answers[i].text for i in theme.answers]
    quotes = told.get("quotes", [])
    if not isinstance(quotes, list) or not 1 <= len(quotes) <= 3:
        raise LLMReplyError("a theme needs 1 to 3 quotes")
    checked = []
    for quote in quotes:
        if not isinstance(quote, str) or not quote.strip():
            raise LLMReplyError("a quote is not text")
        quote = quote.strip()
        if not any(quote in text for text in texts):
            raise LLMReplyError("a quote is not in the theme's answers")
        if len(quote) < MIN_QUOTE and quote not in texts:
            raise LLMReplyError("a quote is a fragment, not a sentence")
        if len(quote) > MAX_QUOTE:
            raise LLMReplyError(f"a quote is longer than {MAX_QUOTE} characters")
        checked.append(quote)
    distinct = theme.distinct
    if told.get("distinct"):
        distinct = _line(told["distinct"], MAX_PROSE, "distinct")
    return dataclasses.replace(
        theme,
        label=_line(told.get("label"), MAX_LABEL, "label"),
        quotes=tuple(dict.fromkeys(checked)),
        distinct=distinct,
    )


def synthesizer(
    url: str | None, model: str | None, api_key: str | None = None, timeout: float = 30.0
) -> Synthesizer:
    """The LLM synthesizer when an endpoint and model are configured, else the offline one."""
    offline = OfflineSynthesizer()
    if url and model:
        return LLMSynthesizer(offline, url, model, api_key, timeout)
    return offline
