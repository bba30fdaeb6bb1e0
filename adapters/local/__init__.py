"""The local adapter: an in-process platform (:mod:`adapters.local.platform`) for tests, the
demo and the console, and the ``demo`` and ``chat`` subcommands that use it."""

from bot.runtime.adapters import AdapterSpec

SPEC = AdapterSpec(
    name="local",
    commands={
        "demo": ("adapters.local.demo", "run a complete round with simulated participants"),
        "chat": (
            "adapters.local.chat",
            "talk to the bot in the terminal as host and participants",
        ),
    },
)
