"""The form behind a bare ``/dialoog start``: method, language, form of address (Dutch *je*
or *u*), deadline, pace, threshold, how the summary is published, theme and opening story.
The threshold field starts at, says and enforces the floor (``DIALOOG_MIN_RESPONDENTS``): a
host can raise it, never lower it. Its submission becomes the same words a host could have
typed (``start waarderend --lang nl --theme "…"``), so the core parses one syntax only.
"""

from __future__ import annotations

import json
import shlex
from typing import Any

from bot.core.prompts import ADDRESSES, DEFAULT_ADDRESS, LANGUAGES, Catalog
from bot.core.templates import Templates

CALLBACK_ID = "dialoog_start"
# The core's command parser turns typographic quotes into straight ones before it splits the
# words; doing it first keeps shlex quoting of free text intact.
_STRAIGHT = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'"})
FIELDS = (
    "template",
    "language",
    "address",
    "deadline",
    "pace",
    "threshold",
    "publish",
    "theme",
    "story",
)


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:limit]}


def _option(value: str, label: str) -> dict[str, Any]:
    return {"text": _plain(label, 75), "value": value}


def _input(
    block_id: str, label: str, element: dict[str, Any], optional: bool = False
) -> dict[str, Any]:
    element = {**element, "action_id": block_id}
    return {
        "type": "input",
        "block_id": block_id,
        "label": _plain(label, 2000),
        "element": element,
        "optional": optional,
    }


def start_view(
    catalog: Catalog,
    templates: Templates,
    lang: str,
    channel_id: str,
    min_respondents: int,
    address: str = DEFAULT_ADDRESS,
) -> dict[str, Any]:
    """The modal view for ``views.open``; the channel travels in ``private_metadata``.
    ``address`` (``DIALOOG_ADDRESS``) is the form of address chosen at first."""

    def t(key: str) -> str:
        return catalog.text(lang, f"slack.modal.{key}")

    template_options = [
        _option(name, templates.get(name).name(lang))  # type: ignore[union-attr]
        for name in templates.names()
    ]
    default = templates.default.key
    initial_template = next(o for o in template_options if o["value"] == default)
    language_options = [
        _option(code, catalog.text(lang, f"slack.language.{code}")) for code in LANGUAGES
    ]
    address_options = [_option(code, t(f"address_{code}")) for code in ADDRESSES]
    pace_options = [_option("self", t("self_paced")), _option("paced", t("paced"))]
    publish_options = [
        _option("review", t("publish_review")),
        _option("direct", t("publish_direct")),
    ]
    threshold = _input(
        "threshold",
        t("threshold"),
        {
            "type": "number_input",
            "is_decimal_allowed": False,
            "min_value": str(min_respondents),
            "initial_value": str(min_respondents),
        },
    )
    threshold["hint"] = _plain(
        catalog.text(lang, "slack.modal.threshold_hint", floor=min_respondents), 2000
    )
    blocks = [
        _input(
            "template",
            t("template"),
            {
                "type": "static_select",
                "options": template_options,
                "initial_option": initial_template,
            },
        ),
        _input(
            "language",
            t("language"),
            {
                "type": "static_select",
                "options": language_options,
                "initial_option": language_options[LANGUAGES.index(lang)],
            },
        ),
        _input(
            "address",
            t("address"),
            {
                "type": "radio_buttons",
                "options": address_options,
                "initial_option": address_options[ADDRESSES.index(address)],
            },
        ),
        _input("theme", t("theme"), {"type": "plain_text_input", "max_length": 300}, True),
        _input(
            "deadline",
            t("deadline"),
            {"type": "plain_text_input", "placeholder": _plain(t("deadline_hint"), 150)},
            True,
        ),
        _input(
            "pace",
            t("pace"),
            {"type": "radio_buttons", "options": pace_options, "initial_option": pace_options[0]},
        ),
        threshold,
        _input(
            "publish",
            t("publish"),
            {
                "type": "radio_buttons",
                "options": publish_options,
                "initial_option": publish_options[0],
            },
        ),
        _input(
            "story",
            t("story"),
            {
                "type": "plain_text_input",
                "multiline": True,
                "max_length": 3000,
                "placeholder": _plain(t("story_hint"), 150),
            },
            True,
        ),
    ]
    theme = next(block for block in blocks if block["block_id"] == "theme")
    theme["hint"] = _plain(t("theme_hint"), 2000)
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "private_metadata": json.dumps({"channel": channel_id, "lang": lang}),
        "title": _plain(t("title"), 24),
        "submit": _plain(t("submit"), 24),
        "close": _plain(t("close"), 24),
        "blocks": blocks,
    }


def _obj(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else empty: a signed but odd form reads as blank."""
    return value if isinstance(value, dict) else {}


def _value(values: dict[str, Any], block_id: str) -> str:
    state = _obj(_obj(values.get(block_id)).get(block_id))
    selected = _obj(state.get("selected_option"))
    value = str(selected.get("value") or state.get("value") or "")
    return value.translate(_STRAIGHT).strip()


def submission(
    view: dict[str, Any], catalog: Catalog, floor: int
) -> tuple[str, str, dict[str, str]]:
    """``(channel, command words, errors)`` from a submitted form.

    ``errors`` maps a block id to a message for Slack to show next to the field; when it is
    not empty nothing is started. A threshold under ``floor`` is refused here, next to the
    field (the core refuses it too, for words typed by hand).
    """
    try:
        meta = _obj(json.loads(str(view.get("private_metadata") or "{}")))
    except (ValueError, RecursionError):
        meta = {}
    lang = str(meta["lang"]) if meta.get("lang") in LANGUAGES else LANGUAGES[0]
    values = _obj(_obj(view.get("state")).get("values"))
    fields = {name: _value(values, name) for name in FIELDS}
    errors: dict[str, str] = {}
    threshold = fields["threshold"]
    if threshold and (not threshold.isdigit() or int(threshold) < floor):
        errors["threshold"] = catalog.text(lang, "slack.modal.threshold_error", floor=floor)
    words = ["start"]
    if fields["template"]:
        words.append(shlex.quote(fields["template"]))
    if fields["language"]:
        words += ["--lang", shlex.quote(fields["language"])]
    if fields["address"] in ADDRESSES:
        words += ["--aanspreekvorm", fields["address"]]
    if fields["deadline"]:
        words += ["--deadline", shlex.quote(fields["deadline"])]
    if fields["pace"] == "paced":
        words.append("--paced")
    if fields["threshold"]:
        words += ["--min", fields["threshold"]]
    if fields["publish"] in ("review", "direct"):
        words += ["--publish", fields["publish"]]
    for name in ("theme", "story"):
        if fields[name]:
            words += [f"--{name}", shlex.quote(fields[name])]
    return str(meta.get("channel") or ""), " ".join(words), errors


ENTRY_CALLBACK_ID = "dialoog_entry"
ENTRY_FIELD = "text"
MAX_ENTRY = 80


def entry_view(button_value: str, close: str) -> dict[str, Any] | None:
    """The form a pressed :class:`~bot.core.messages.Entry` button opens: one text field,
    starting from the option's own text (a theme's current name without its number). None
    when the value is not one of ours."""
    try:
        data = json.loads(button_value)
    except ValueError:
        return None
    if not isinstance(data, dict) or not data.get("key") or not data.get("ref"):
        return None
    title = str(data.get("title") or "")
    current = title.split(". ", 1)[1] if ". " in title else title
    meta = {"key": data["key"], "ref": data["ref"], "round": data.get("round")}
    field = _input(
        ENTRY_FIELD,
        str(data.get("label") or "…"),
        {"type": "plain_text_input", "max_length": MAX_ENTRY, "initial_value": current[:MAX_ENTRY]},
    )
    field["hint"] = _plain(title, 2000)
    return {
        "type": "modal",
        "callback_id": ENTRY_CALLBACK_ID,
        "private_metadata": json.dumps(meta),
        "title": _plain(str(data.get("submit") or "…"), 24),
        "submit": _plain(str(data.get("submit") or "…"), 24),
        "close": _plain(close, 24),
        "blocks": [field],
    }


def entry_submission(view: dict[str, Any]) -> tuple[str, str, str | None] | None:
    """``(key, "<ref>\\t<text>", round id)`` from a submitted entry form."""
    meta = json.loads(view.get("private_metadata") or "{}")
    if not meta.get("key") or not meta.get("ref"):
        return None
    values = (view.get("state") or {}).get("values") or {}
    text = _value(values, ENTRY_FIELD)
    round_id = meta.get("round")
    return str(meta["key"]), f"{meta['ref']}\t{text}", str(round_id) if round_id else None
