"""Outgoing messages as terminal text (Markdown-like), for the console and the demo."""

from __future__ import annotations

from bot.core.messages import Choices, Divider, Entry, Heading, Outgoing, Quote, Text


def as_text(message: Outgoing) -> str:
    lines: list[str] = []
    for block in message.blocks:
        if isinstance(block, Heading):
            lines.append(f"## {block.text}")
        elif isinstance(block, Text):
            lines.append(block.text)
        elif isinstance(block, Quote):
            lines.extend(f"> {line}" for line in block.text.splitlines() or [""])
        elif isinstance(block, Choices):
            lines.append("  ".join(f"[{o.label}]" for o in block.options))
        elif isinstance(block, Entry):
            # The console has no text fields: it lists what can be chosen and what to type.
            lines.append(block.label)
            lines.extend(f"  {option.label}" for option in block.options)
            lines.append(block.command)
        elif isinstance(block, Divider):
            lines.append("---")
    return "\n".join(lines)
