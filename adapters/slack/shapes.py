"""What a request to ``/slack/events`` must be before bolt sees it.

Slack signs every request; the signature is checked on the raw bytes before anything is parsed
(slack_sdk's verifier decodes the body as UTF-8 first, so it cannot take a body that is not
UTF-8; this is the same HMAC over the bytes). A signed body that is not what Slack sends (not
UTF-8, not a JSON object, nested absurdly deep, a ``payload=`` that is not an object, an
``event``, ``view`` or ``actions`` of the wrong type) is refused with 400 and one log line, so
that no listener meets a shape it cannot read.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from typing import Any

from slack_bolt.request.internals import parse_body

MAX_AGE = 60 * 5  # seconds; as slack_sdk's SignatureVerifier
MAX_DEPTH = 32
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
# The JSON type of every field a listener (adapters/slack/incoming.py, modal.py) reads, in
# event bodies and in interactivity payloads (slash commands are forms: strings only).
FIELDS: dict[str, type] = {
    "type": str, "event": dict, "view": dict, "actions": list, "user": dict, "team": dict,
    "channel": dict, "container": dict, "message": dict,
}  # fmt: skip
INNER_FIELDS: dict[str, dict[str, type]] = {
    "event": {
        "text": str,
        "user": str,
        "channel": str,
        "type": str,
        "subtype": str,
        "message": dict,
        "previous_message": dict,
        "item": dict,
    },
    "view": {"state": dict, "private_metadata": str, "blocks": list},
    "message": {"blocks": list, "text": str, "ts": str},
    "user": {"id": str},
}


class Malformed(Exception):
    """The request is refused with ``status``; ``reason`` goes to the log (no user text)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def verify(secret: str, raw: bytes, timestamp: str | None, signature: str | None) -> None:
    """Slack's request signature (v0, HMAC-SHA256) over the raw body, at most 5 minutes old."""
    if not timestamp or not signature:
        raise Malformed(401, "unsigned request")
    if not _TIMESTAMP.fullmatch(timestamp):
        raise Malformed(400, "X-Slack-Request-Timestamp is not a number")
    if abs(time.time() - int(timestamp)) > MAX_AGE:
        raise Malformed(401, "stale timestamp")
    base = b"v0:" + timestamp.encode() + b":" + raw
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
        raise Malformed(401, "bad signature")


def check(raw: bytes, content_type: str | None) -> str:
    """The body as text, when it has a shape the listeners can read; :class:`Malformed` (400)
    otherwise. Parsed as bolt parses it (its own ``parse_body``)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Malformed(400, "body is not UTF-8") from None
    try:
        body = parse_body(text, content_type)
    except RecursionError:
        raise Malformed(400, "body nested too deeply") from None
    except ValueError:
        raise Malformed(400, "body is not JSON") from None
    if not isinstance(body, dict):
        raise Malformed(400, f"body is a JSON {type(body).__name__}, not an object")
    _depth(body)
    if "command" in body and isinstance(body.get("command"), str):
        return text  # a slash command: a form, every value a string
    _fields(body, FIELDS)
    for name, inner in INNER_FIELDS.items():
        if isinstance(body.get(name), dict):
            _fields(body[name], inner, name)
    actions = body.get("actions")
    if isinstance(actions, list) and not all(isinstance(a, dict) for a in actions):
        raise Malformed(400, "actions: not a list of objects")
    # What bolt itself reads without looking first (slack_bolt/request/payload_utils.py).
    kind = body.get("type")
    if kind in ("block_actions", "interactive_message") and not actions:
        raise Malformed(400, f"{kind} without actions")
    if kind in ("view_submission", "view_closed") and not isinstance(
        (body.get("view") or {}).get("type"), str
    ):
        raise Malformed(400, f"{kind} without a view type")
    if kind == "event_callback" and not isinstance((body.get("event") or {}).get("type"), str):
        raise Malformed(400, "event_callback without an event type")
    return text


def _fields(body: dict[str, Any], fields: dict[str, type], where: str = "body") -> None:
    for name, kind in fields.items():
        if name in body and body[name] is not None and not isinstance(body[name], kind):
            raise Malformed(400, f"{where}.{name} has the wrong type")


def _depth(body: Any) -> None:
    stack = [(body, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise Malformed(400, "body nested too deeply")
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
