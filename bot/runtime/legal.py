"""The privacy statement and the terms of use as web pages (``/privacy``, ``/terms``): the
texts are in the catalog (``legal.*``, nl and en), written in Markdown and rendered with the
``markdown`` library. The language is ``?lang=``, else the browser's first of nl and en, else
the bot's default. They say what PRODUCT.md §4 promises: what is stored, for how long, and
who can see what."""

from __future__ import annotations

import html
from typing import Protocol

from aiohttp import web

from bot.core.prompts import LANGUAGES, Catalog, voice
from bot.support.settings import Settings


class _App(Protocol):
    settings: Settings
    catalog: Catalog


def page_language(request: web.Request, default: str) -> str:
    asked = request.query.get("lang", "")
    if asked in LANGUAGES:
        return asked
    for part in request.headers.get("Accept-Language", "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag
    return default


def legal_page(request: web.Request, app: _App, which: str) -> web.Response:
    import markdown

    language = page_language(request, app.settings.language)
    # A page outside any round: the default form of address.
    lang = voice(language, app.settings.address)
    catalog = app.catalog
    minimum = app.settings.min_respondents
    title = catalog.text(lang, f"legal.{which}_title")
    people = catalog.count(lang, "people", minimum)
    respondents = catalog.count(lang, "respondents", minimum)
    text = catalog.text(lang, f"legal.{which}", people=people, respondents=respondents)
    body = markdown.markdown(text)
    other = [f'<a href="?lang={code}">{code.upper()}</a>' for code in LANGUAGES if code != language]
    page = (
        f'<!DOCTYPE html>\n<html lang="{language}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>body{{font-family:system-ui,Arial,"
        f"sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;line-height:1.5}}</style>"
        f'</head><body><p style="text-align:right">{" ".join(other)}</p>'
        f"<h1>{html.escape(title)}</h1>\n{body}\n</body></html>\n"
    )
    return web.Response(text=page, content_type="text/html")
