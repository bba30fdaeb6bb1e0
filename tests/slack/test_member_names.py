"""How a Slack user is named: the full name people see (an action's owner), and the other
names Slack knows them by as aliases, which the scrubber still removes from answers."""

from __future__ import annotations

from adapters.slack.members import member
from bot.core.actions import find_owner
from bot.core.port import spoken_names
from bot.core.prompts import Catalog
from bot.core.scrub import Scrubber


def test_full_name_shown_display_name_kept_for_the_scrubber() -> None:
    bram = member(
        {
            "id": "U02",
            "real_name": "Bram Jansen",
            "profile": {"real_name": "Bram Jansen", "display_name": "Bjay"},
        }
    )
    assert bram.name == "Bram Jansen" and bram.aliases == ("Bjay",)
    assert spoken_names([bram]) == ["Bram Jansen", "Bjay"]
    for words in ("Bram Jansen", "bram jansen", "Bjay", "@Bjay", "U02"):
        assert find_owner(words, [bram]) == bram, words
    scrub = Scrubber.build(Catalog.load(), "nl", spoken_names([bram]))
    cleaned = scrub("Bjay en Bram Jansen hielpen mee.")
    assert "Bjay" not in cleaned and "Jansen" not in cleaned, cleaned


def test_a_user_with_only_a_handle() -> None:
    bare = member({"id": "U03", "name": "chloe.b"})
    assert bare.name == "chloe.b" and bare.aliases == ()
    same = member({"id": "U04", "real_name": "Daan", "profile": {"display_name": "Daan"}})
    assert same.name == "Daan" and same.aliases == ()
