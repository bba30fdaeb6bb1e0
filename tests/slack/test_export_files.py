"""``/dialoog export``: the harvest arrives as a real file in the host's private chat, through
Slack's external upload flow, and nowhere else."""

from __future__ import annotations

import io

import docx
import openpyxl

from bot.testing.fake_slack import FakeSlack
from tests.slack.world import CHANNEL, World, people, text_of

STORIES = [
    "Bij de buurtapp hielpen buren elkaar met boodschappen",
    "De buurtapp bracht mensen in de straat samen",
    "Dankzij de buurtapp deden ouderen samen boodschappen",
]


async def closed_round(world: World, fake: FakeSlack) -> list[str]:
    users = people(fake, 3)
    await world.boot()
    await world.command("UHOST", 'start --theme "Samen in de wijk"')
    await world.settle()
    for n, user in enumerate(users):
        for text in ("kiem", STORIES[n], f"Buurtapp verbindt {n}"):
            await world.dm(user, text)
            await world.settle()
    await world.command("UHOST", "close")
    await world.settle()
    return users


async def test_the_export_is_uploaded_into_the_host_s_private_chat_only(
    world: World, fake: FakeSlack
) -> None:
    users = await closed_round(world, fake)
    channel_posts = len(fake.posts(CHANNEL))
    calls = len(fake.calls)
    await world.command("UHOST", "export xlsx")
    await world.settle()

    # The upload flow, in order: ask for a URL, post the bytes there, complete the upload
    # into the host's private chat.
    flow = [c for c in fake.calls[calls:] if c.method.startswith("files.") or c.method == "upload"]
    assert [c.method for c in flow] == [
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]
    asked, _posted, completed = flow
    assert asked.params["filename"].endswith(".xlsx") and int(asked.params["length"]) > 1000
    assert completed.params["channel_id"] == fake.ims["UHOST"]
    assert "channels" not in completed.params

    (shared,) = fake.files_in("UHOST")
    assert shared.filename.endswith(".xlsx") and shared.data is not None
    book = openpyxl.load_workbook(io.BytesIO(shared.data))
    assert "Knel of kiem" in book.sheetnames
    rows = list(book["Knel of kiem"].iter_rows(min_row=3, values_only=True))
    assert {r[2] for r in rows} == set(STORIES)
    # Only there: not in the channel, not with anyone else; the channel heard nothing.
    assert fake.files_in(CHANNEL) == []
    assert all(fake.files_in(user) == [] for user in users)
    assert len(fake.uploads) == 1
    assert len(fake.posts(CHANNEL)) == channel_posts
    # The host also gets the message that goes with it, and the ephemeral note.
    assert "Export van de oogst (xlsx)" in text_of(fake.private("UHOST")[-1])
    assert "privégesprek" in text_of(fake.ephemeral[-1])
    assert not fake.rejected(), fake.rejected()


async def test_a_participant_cannot_export_and_no_file_moves(world: World, fake: FakeSlack) -> None:
    users = await closed_round(world, fake)
    await world.command(users[0], "export docx")
    await world.settle()
    assert fake.uploads == {}
    assert "host" in text_of(fake.ephemeral[-1]).lower() or "gespreksleider" in text_of(
        fake.ephemeral[-1]
    )


async def test_the_word_report_arrives_whole(world: World, fake: FakeSlack) -> None:
    await closed_round(world, fake)
    await world.command("UHOST", "export")
    await world.settle()
    (shared,) = fake.files_in("UHOST")
    assert shared.filename.endswith(".docx") and shared.title.endswith("(docx)")
    assert shared.data is not None
    report = docx.Document(io.BytesIO(shared.data))
    text = "\n".join(p.text for p in report.paragraphs)
    assert "Samen in de wijk" in text and "Buurtapp verbindt 1" in text
    for name in ("Anna", "Bram", "Carla", "Hanna", "UHOST", "U0001"):
        assert name not in text
