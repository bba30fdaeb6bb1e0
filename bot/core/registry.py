"""Named things registered once and looked up by name: phase kinds (:mod:`bot.core.phases`)
and export formats (:mod:`bot.core.export`). Adding one is a ``register`` call, not another
branch in the code that uses them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

T = TypeVar("T")


class Unregistered(KeyError):
    """A name nobody registered; the message lists the names that are."""

    what = "name"

    def __init__(self, name: str, known: Iterable[str]) -> None:
        super().__init__(name)
        self.name = name
        self.known = tuple(known)

    def __str__(self) -> str:
        return f"unknown {self.what} {self.name!r}; registered: {', '.join(self.known)}"


class Registry(dict[str, T]):
    """Name -> thing, in the order registered; a name is registered once."""

    def __init__(self, unknown: type[Unregistered]) -> None:
        super().__init__()
        self.unknown = unknown

    def add(self, name: str, thing: T) -> T:
        if name in self:
            raise ValueError(f"{self.unknown.what} {name!r} is already registered")
        self[name] = thing
        return thing

    def named(self, name: str) -> T:
        """The thing registered as ``name``; :attr:`unknown` (listing the names) if none."""
        try:
            return self[name]
        except KeyError:
            raise self.unknown(name, self) from None
