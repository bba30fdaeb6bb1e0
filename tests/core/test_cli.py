"""The command line as a user runs it: serve answers /healthz, demo prints a summary,
misconfiguration stops start-up with one clear line."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest
from alembic.script import ScriptDirectory

from bot.cli import bench, main
from bot.cli.db import report
from bot.runtime.adapters import migrations
from storage.database import Applied, alembic_config
from tests.processes import WatchedProcess


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def env_for(folder: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_"))}
    env.update(
        DIALOOG_DATABASE_URL=f"sqlite+aiosqlite:///{folder / 'bot.db'}",
        DIALOOG_SECRET_FILE=str(folder / "bot.secret"),
    )
    env.update(extra)
    return env


def dialoogbot(*args: str, folder: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        cwd=folder,
        env=env_for(folder, **extra),
        timeout=120,
    )


async def test_serve_answers_healthz_and_metrics_and_says_how_to_connect(tmp_path: Path) -> None:
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "serve",
        "--port",
        str(port),
        cwd=tmp_path,
        env=env_for(tmp_path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(200):
                try:
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                        assert response.status == 200
                        assert (await response.json())["status"] == "ok"
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
            else:
                raise AssertionError("server did not come up")
            async with http.get(f"http://127.0.0.1:{port}/metrics") as response:
                assert response.status == 200
                assert "dialoog_answers_stored_total" in await response.text()
    finally:
        proc.terminate()
        output, _ = await asyncio.wait_for(proc.communicate(), timeout=30)
    text = output.decode()
    assert proc.returncode == 0
    assert "no chat platform configured" in text and "SLACK_BOT_TOKEN" in text
    assert (tmp_path / "bot.db").exists()


def test_misconfiguration_is_one_clear_line(tmp_path: Path) -> None:
    result = dialoogbot("serve", folder=tmp_path, DIALOOG_DATABASE_URL="mysql://x")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "dialoogbot: DIALOOG_DATABASE_URL: must start with sqlite+aiosqlite:// or "
        "postgresql+asyncpg:// (an async driver)"
    )
    result = dialoogbot("serve", folder=tmp_path, SLACK_BOT_TOKEN="xapp-wrong-kind")
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN must be a bot token (xoxb-...)" in result.stderr
    assert "Traceback" not in result.stderr


def test_db_upgrade_lists_what_it_applied_then_says_up_to_date(tmp_path: Path) -> None:
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://", migrations()))
    revisions = list(scripts.walk_revisions())
    # The core and the adapters' migrations branch off the core's schedules revision.
    heads = ", ".join(sorted(scripts.get_heads()))
    at = f"revision {heads}" if "," not in heads else f"revisions {heads}"
    where = str(tmp_path / "bot.db")

    first = dialoogbot("db", "upgrade", folder=tmp_path)
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert lines[0] == f"{where}: applied {len(revisions)} migrations"
    applied = [line.split()[0] for line in lines[1:-1]]
    assert sorted(applied) == sorted(s.revision for s in revisions)
    for script in revisions:  # each after the one it revises
        for parent in scripts.get_revisions(script.down_revision):
            assert applied.index(parent.revision) < applied.index(script.revision)
    assert lines[1].split(None, 1)[1] == "initial schema"
    assert lines[-1] == f"{where} is now at {at}"
    assert "up to date" not in first.stdout

    second = dialoogbot("db", "upgrade", folder=tmp_path)
    assert second.returncode == 0, second.stderr
    assert second.stdout == f"{where} is up to date ({at})\n"


def test_db_upgrade_report_groups_migrations_per_branch() -> None:
    applied = [
        Applied("0003", "rounds get a series", ("core",)),
        Applied("teams_0002", "Teams: card versions", ("teams",)),
        Applied("0004", "actions", ("core",)),
    ]
    assert report("bot.db", applied, ("0004", "teams_0002")) == (
        "bot.db: applied 3 migrations\n"
        "  core:\n"
        "    0003  rounds get a series\n"
        "    0004  actions\n"
        "  teams:\n"
        "    teams_0002  Teams: card versions\n"
        "bot.db is now at revisions 0004, teams_0002"
    )
    assert report("bot.db", [], ("0004", "teams_0002")) == (
        "bot.db is up to date (revisions 0004, teams_0002)"
    )


def test_demo_prints_a_dutch_summary_without_names(tmp_path: Path) -> None:
    from adapters.local.demo import FIRST, LAST

    result = dialoogbot("demo", "--participants", "25", folder=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "25 deelnemers" in out and "Krantenkop" in out and "Droom" in out
    for name in FIRST + [part for last in LAST for part in last.split() if len(part) > 2]:
        assert name not in out, name
    assert "U00" not in out


def test_demo_in_english(tmp_path: Path) -> None:
    result = dialoogbot("demo", "--participants", "5", "--lang", "en", folder=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "5 respondents" in result.stdout and "Headline" in result.stdout


def test_unreachable_database_is_one_clear_line(tmp_path: Path) -> None:
    port = free_port()
    url = f"postgresql+asyncpg://nobody@127.0.0.1:{port}/none"
    result = dialoogbot("serve", folder=tmp_path, DIALOOG_DATABASE_URL=url)
    assert result.returncode == 2
    assert result.stderr.startswith("dialoogbot: DIALOOG_DATABASE_URL: cannot use the database")
    assert result.stderr.strip().count("\n") == 0


def test_llm_url_without_model_is_refused(tmp_path: Path) -> None:
    result = dialoogbot("serve", folder=tmp_path, DIALOOG_LLM_URL="http://127.0.0.1:9/v1")
    assert result.returncode == 2
    assert result.stderr.strip() == "dialoogbot: DIALOOG_LLM_MODEL is needed with DIALOOG_LLM_URL"


def fresh_clone_env() -> dict[str, str]:
    """The environment of a newcomer: no DIALOOG_ settings, so every file is the default one
    in the current folder."""
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DIALOOG_", "SLACK_", "MICROSOFT_"))
    }


async def healthz(http: aiohttp.ClientSession, port: int) -> int:
    async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
        return response.status


async def test_chat_and_demo_run_beside_make_run_in_one_folder(tmp_path: Path) -> None:
    """`make run` holds dialoogbot.db; `chat` keeps its own file and `demo` a throw-away one,
    so both work from the same folder while the server keeps answering. A second `chat` on
    the chat's file says which file is in use and how to choose another."""
    port = free_port()

    async def start(*args: str) -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            *args,
            cwd=tmp_path,
            env=fresh_clone_env(),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )

    serve = await start("serve", "--port", str(port))
    chat: asyncio.subprocess.Process | None = None
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(300):
                try:
                    assert await healthz(http, port) == 200
                    break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
            else:
                raise AssertionError("server did not come up")

            chat = await start("chat")
            assert chat.stdin is not None and chat.stdout is not None
            first = WatchedProcess(chat)
            await first.until("type /help for help.")
            assert "(database dialoogbot-chat.db)" in first.output
            chat.stdin.write(b"/help\n/dialoog help\n")
            await chat.stdin.drain()
            await first.until("console commands:")
            await first.until("[private → anna]")

            second = await start("chat")
            _, err = await asyncio.wait_for(second.communicate(b"/quit\n"), timeout=60)
            assert second.returncode == 2
            assert err.decode().splitlines() == [
                f"dialoogbot: dialoogbot-chat.db is in use by another dialoogbot process "
                f"(pid {chat.pid}); a SQLite file serves one process at a time. Stop that "
                "process, or give this one another file, e.g. "
                "DIALOOG_DATABASE_URL=sqlite+aiosqlite:///other.db"
            ]

            chat.stdin.write(b"/quit\n")
            await chat.stdin.drain()
            _, chat_err = await asyncio.wait_for(chat.communicate(), timeout=60)
            assert chat.returncode == 0, chat_err.decode()

            demo = await start("demo", "--participants", "3")
            out, demo_err = await asyncio.wait_for(demo.communicate(), timeout=120)
            assert demo.returncode == 0, demo_err.decode()
            assert "3 deelnemers" in out.decode()

            assert await healthz(http, port) == 200
    finally:
        for proc in (chat, serve):
            if proc is not None and proc.returncode is None:
                proc.terminate()
                await asyncio.wait_for(proc.communicate(), timeout=30)
    assert serve.returncode == 0
    assert (tmp_path / "dialoogbot.db").exists() and (tmp_path / "dialoogbot-chat.db").exists()


def test_bench_without_a_checkout_says_where_benchmarks_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An installed package has no ``benchmarks/`` beside it: one line, exit status 2."""
    monkeypatch.setattr(bench, "BENCHMARKS", tmp_path / "benchmarks")
    with pytest.raises(SystemExit) as stopped:
        main(["bench", "slack", "--answers", "10"])
    assert stopped.value.code == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    assert "benchmarks run from a checkout of the repository" in lines[0]


def test_bench_from_a_checkout_finds_the_benchmarks(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["bench", "teams", "--help"])
    assert stopped.value.code == 0
    assert "--participants" in capsys.readouterr().out
