"""Adapters are discovered, not named: a throwaway "echo" platform, written here as its own
installed distribution, is picked up with its settings, table, migration, route and
subcommand, and runs a round, without a line of bot/ changed for it."""

from __future__ import annotations

import importlib
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import inspect

from bot.cli import main
from bot.core.messages import Incoming
from bot.runtime.adapters import check_settings, discover
from bot.runtime.app import App
from bot.runtime.server import build_web_app
from bot.support.settings import SettingsError
from bot.synthesis import OfflineSynthesizer
from tests.conftest import make_settings

ROOT = Path(__file__).resolve().parents[2]

FILES = {
    "echo_platform/__init__.py": """
        from bot.runtime.adapters import AdapterSpec

        SPEC = AdapterSpec(
            name="echo",
            mount="echo_platform.mount:setup",
            settings="echo_platform.settings:EchoSettings",
            migrations="echo_platform.migrations",
            tables="echo_platform.tables:metadata",
            commands={"echo-hello": ("echo_platform.command", "say hello from echo")},
        )
    """,
    "echo_platform/settings.py": """
        from pydantic import Field
        from pydantic_settings import BaseSettings, SettingsConfigDict

        class EchoSettings(BaseSettings):
            model_config = SettingsConfigDict(env_prefix="ECHO_", extra="ignore",
                                              populate_by_name=True)
            greeting: str = Field("hallo", alias="ECHO_GREETING", min_length=2)
    """,
    "echo_platform/tables.py": """
        import sqlalchemy as sa

        metadata = sa.MetaData()
        seen = sa.Table("echo_seen", metadata, sa.Column("key", sa.String(64), primary_key=True))
    """,
    "echo_platform/migrations/__init__.py": "",
    "echo_platform/migrations/echo_0001.py": '''
        """echo: the keys it has seen"""
        import sqlalchemy as sa
        from alembic import op

        revision = "echo_0001"
        down_revision = None
        branch_labels = ("echo",)
        depends_on = None

        def upgrade():
            op.create_table("echo_seen", sa.Column("key", sa.String(64), primary_key=True))
    ''',
    "echo_platform/mount.py": """
        from aiohttp import web

        from bot.core.port import Member, MessageRef
        from echo_platform.settings import EchoSettings

        SENT = []

        class EchoPlatform:
            name = "echo"

            async def send_private(self, workspace, user_id, message, key=None):
                SENT.append(("private", user_id, message.fallback))
                return MessageRef(user_id, str(len(SENT)))

            async def post_channel(self, workspace, channel_id, message, thread_of=None, key=None):
                SENT.append(("channel", channel_id, message.fallback))
                return MessageRef(channel_id, str(len(SENT)))

            async def reply(self, workspace, channel_id, user_id, message, key=None):
                SENT.append(("reply", user_id, message.fallback))

            async def list_members(self, workspace, channel_id):
                return [Member("E1", "Ada"), Member("E2", "Bo"), Member("E3", "Cy")]

            async def was_delivered(self, workspace, channel_id, user_id, key):
                return False

        async def setup(app, web_app):
            greeting = app.settings.load(EchoSettings).greeting

            async def ping(request):
                return web.Response(text=greeting)

            web_app.router.add_get("/echo/ping", ping)
            app.add_platform(EchoPlatform())
            return True
    """,
    "echo_platform/command.py": """
        def run(args):
            print("hello from echo")
            return 0

        def register(sub):
            sub.add_parser("echo-hello", help="say hello from echo").set_defaults(func=run)
    """,
    "echo_platform-0.1.dist-info/METADATA": """
        Metadata-Version: 2.1
        Name: echo-platform
        Version: 0.1
    """,
    "echo_platform-0.1.dist-info/entry_points.txt": """
        [dialoogbot.adapters]
        echo = echo_platform:SPEC
    """,
}


@pytest.fixture
def echo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The echo platform installed (as a distribution on sys.path) for one test."""
    site = tmp_path / "site"
    for name, text in FILES.items():
        path = site / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    yield site
    for module in [m for m in sys.modules if m.split(".")[0] == "echo_platform"]:
        del sys.modules[module]


def test_bot_names_no_adapter() -> None:
    """The runtime finds adapters through their entry points; bot/ names none of them."""
    mentions = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "bot").rglob("*.py")
        if path.parts[-2] != "testing"
        and any(f"adapters.{name}" in path.read_text() for name in ("slack", "teams"))
    ]
    assert mentions == []


async def test_a_new_platform_is_picked_up_with_everything_it_brings(
    echo: Path, tmp_path: Path
) -> None:
    assert {"echo", "local", "slack", "teams"} <= {spec.name for spec in discover()}
    settings = make_settings(tmp_path, ECHO_GREETING="moi")
    app = await App.create(settings, synthesizer=OfflineSynthesizer())
    try:
        async with app.db.engine.connect() as connection:
            tables = await connection.run_sync(lambda c: inspect(c).get_table_names())
        assert "echo_seen" in tables, "its migration ran with the core's"
        web_app, connected = await build_web_app(app)
        assert "echo" in connected
        async with TestClient(TestServer(web_app)) as client:
            response = await client.get("/echo/ping")
            assert await response.text() == "moi", "its settings were read"
        await app.handle(Incoming("echo", "w", "E1", "start", "C1"))
        await app.dispatcher.drain()
        sent = importlib.import_module("echo_platform.mount").SENT
        invited = {to for kind, to, _ in sent if kind == "private"}
        assert invited == {"E1", "E2", "E3"}, "a round ran on the new platform"
    finally:
        await app.stop()


def test_its_settings_are_checked_with_the_others(echo: Path, tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="ECHO_GREETING"):
        check_settings(make_settings(tmp_path, ECHO_GREETING="x"))


def test_its_subcommand_joins_the_command_line(
    echo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["echo-hello"]) == 0
    assert capsys.readouterr().out == "hello from echo\n"
