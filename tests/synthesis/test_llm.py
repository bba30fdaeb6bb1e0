"""The optional LLM pass against a fake OpenAI-compatible endpoint on 127.0.0.1.

Only the HTTP boundary is fake: the real synthesizers run, and the fake server records what
it was sent and answers as a scripted model would (well, badly, slowly or not at all).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

from bot.core.summary import Summary, SynthesisRequest
from bot.synthesis import OfflineSynthesizer
from bot.synthesis.llm import LLMSynthesizer, synthesizer

from .conftest import round_request

Handler = Callable[[dict[str, Any]], Awaitable[web.StreamResponse]]


@dataclass
class FakeModel:
    """A chat-completions endpoint whose behaviour each test sets."""

    url: str = ""
    calls: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    queries: list[dict[str, str]] = field(default_factory=list)
    handler: Handler | None = None

    async def serve(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.queries.append(dict(request.query))
        self.calls.append(body)
        self.headers.append(dict(request.headers))
        assert self.handler is not None
        return await self.handler(body)


@pytest.fixture
async def fake_model() -> AsyncIterator[FakeModel]:
    model = FakeModel()
    app = web.Application()
    app.router.add_post("/v1/chat/completions", model.serve)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    model.url = f"http://127.0.0.1:{port}/v1"
    yield model
    await runner.cleanup()


def chat_reply(content: str | None, **message: Any) -> web.Response:
    return web.json_response(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": content, **message},
                }
            ],
        }
    )


def good_reply(body: dict[str, Any], quote_from: Callable[[list[str]], str]) -> str:
    """What a well-behaved model says: new names, prose, quotes copied from the answers."""
    material = json.loads(body["messages"][1]["content"])
    phases = []
    for phase in material["phases"]:
        themes = [
            {
                "id": theme["id"],
                "label": f"Thema {n + 1} van {phase['key']}",
                "distinct": "Een zin over wat dit thema anders maakt.",
                "quotes": [quote_from(theme["answers"])],
            }
            for n, theme in enumerate(phase["themes"])
        ]
        shared = "Iedereen wil een levende wijk."
        phases.append({"key": phase["key"], "shared": shared, "themes": themes})
    return json.dumps({"round": "Buren willen elkaar ontmoeten.", "phases": phases})


async def offline_summary(request: SynthesisRequest) -> Summary:
    return await OfflineSynthesizer().synthesize(request)


async def test_the_model_renames_themes_but_keeps_the_grouping(fake_model: FakeModel) -> None:
    async def handler(body: dict[str, Any]) -> web.StreamResponse:
        return chat_reply(good_reply(body, lambda answers: answers[0]))

    fake_model.handler = handler
    request = round_request()
    azure_style = f"{fake_model.url}?api-version=2025-01-01"  # the query survives
    llm = LLMSynthesizer(OfflineSynthesizer(), azure_style, "test-model", "sk-test", 5)
    summary = await llm.synthesize(request)
    offline = await offline_summary(request)
    assert summary != offline
    for mine, theirs in zip(summary.phases, offline.phases, strict=True):
        assert [t.answers for t in mine.themes] == [t.answers for t in theirs.themes]
        assert [t.respondents for t in mine.themes] == [t.respondents for t in theirs.themes]
        for theme in mine.themes:
            assert theme.label.startswith("Thema ")
    assert summary.shared == ("Buren willen elkaar ontmoeten.",)
    body = fake_model.calls[0]
    assert body["model"] == "test-model"
    assert fake_model.headers[0]["Authorization"] == "Bearer sk-test"
    assert fake_model.queries[0] == {"api-version": "2025-01-01"}


async def test_the_model_sees_only_scrubbed_answer_text(fake_model: FakeModel) -> None:
    async def handler(body: dict[str, Any]) -> web.StreamResponse:
        return chat_reply(good_reply(body, lambda answers: answers[0]))

    fake_model.handler = handler
    request = round_request()
    await LLMSynthesizer(None, fake_model.url, "m", None, 5).synthesize(request)
    sent = fake_model.calls[0]["messages"][1]["content"]
    material = json.loads(sent)
    texts = {a.text for a in request.answers}
    for phase in material["phases"]:
        for theme in phase["themes"]:
            assert set(theme) == {"id", "label", "answers"}
            assert set(theme["answers"]) <= texts
    assert "respondent" not in sent
    assert "Authorization" not in fake_model.headers[0]


async def test_an_invented_quote_gives_the_offline_summary(fake_model: FakeModel) -> None:
    async def handler(body: dict[str, Any]) -> web.StreamResponse:
        return chat_reply(good_reply(body, lambda answers: answers[0] + " En dat is prachtig."))

    fake_model.handler = handler
    request = round_request()
    summary = await LLMSynthesizer(None, fake_model.url, "m", None, 5).synthesize(request)
    assert summary == await offline_summary(request)


async def test_a_quote_from_another_theme_gives_the_offline_summary(
    fake_model: FakeModel,
) -> None:
    async def handler(body: dict[str, Any]) -> web.StreamResponse:
        material = json.loads(body["messages"][1]["content"])
        elsewhere = material["phases"][-1]["themes"][-1]["answers"][0]
        return chat_reply(good_reply(body, lambda answers: elsewhere))

    fake_model.handler = handler
    request = round_request()
    summary = await LLMSynthesizer(None, fake_model.url, "m", None, 5).synthesize(request)
    assert summary == await offline_summary(request)


async def test_a_refusal_gives_the_offline_summary(fake_model: FakeModel) -> None:
    async def handler(body: dict[str, Any]) -> web.StreamResponse:
        return chat_reply(None, refusal="I can't help with that.")

    fake_model.handler = handler
    request = round_request()
    summary = await LLMSynthesizer(None, fake_model.url, "m", None, 5).synthesize(request)
    assert summary == await offline_summary(request)


@pytest.mark.parametrize("status", [400, 429, 500, 503])
async def test_an_http_error_gives_the_offline_summary(fake_model: FakeModel, status: int) -> None:
    async def handler(body: dict[str, Any]) -> web.StreamResponse:
        return web.json_response({"error": {"message": "nope"}}, status=status)

    fake_model.handler = handler
    request = round_request()
    summary = await LLMSynthesizer(None, fake_model.url, "m", None, 5).synthesize(request)
    assert summary == await offline_summary(request)
    assert len(fake_model.calls) == 1


@pytest.mark.parametrize("content", ["Sorry, hier is geen JSON.", "[1, 2]", '{"phases": 3}'])
async def test_a_reply_that_is_not_the_asked_json_is_not_used(
    fake_model: FakeModel, content: str
) -> None:
    async def handler(body: dict[str, Any]) -> web.StreamResponse:
        return chat_reply(content)

    fake_model.handler = handler
    request = round_request()
    summary = await LLMSynthesizer(None, fake_model.url, "m", None, 5).synthesize(request)
    assert [[t.label for t in p.themes] for p in summary.phases] == [
        [t.label for t in p.themes] for p in (await offline_summary(request)).phases
    ]


async def test_a_timeout_gives_the_offline_summary(fake_model: FakeModel) -> None:
    never = asyncio.Event()

    async def handler(body: dict[str, Any]) -> web.StreamResponse:
        await never.wait()  # the model never answers
        return chat_reply("{}")

    fake_model.handler = handler
    request = round_request()
    summary = await LLMSynthesizer(None, fake_model.url, "m", None, 0.3).synthesize(request)
    never.set()  # let the fake server shut down
    assert summary == await offline_summary(request)


async def test_an_unreachable_endpoint_gives_the_offline_summary() -> None:
    request = round_request()
    llm = LLMSynthesizer(None, "http://127.0.0.1:9/v1", "m", None, 2)
    assert await llm.synthesize(request) == await offline_summary(request)


async def test_below_the_threshold_the_model_is_not_asked(fake_model: FakeModel) -> None:
    async def handler(body: dict[str, Any]) -> web.StreamResponse:
        return chat_reply("{}")

    fake_model.handler = handler
    summary = await LLMSynthesizer(None, fake_model.url, "m", None, 5).synthesize(
        round_request(people=2)
    )
    assert not summary.published
    assert fake_model.calls == []


def test_without_an_endpoint_synthesis_stays_offline() -> None:
    assert isinstance(synthesizer(None, None), OfflineSynthesizer)
    assert isinstance(synthesizer("http://127.0.0.1:1/v1", "m"), LLMSynthesizer)
