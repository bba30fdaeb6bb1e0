"""``dialoogbot serve``: the bot on one aiohttp server (default 127.0.0.1:3978)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
import threading

from sqlalchemy.exc import SQLAlchemyError

from bot.core.prompts import PromptError
from bot.core.pseudonyms import SecretError
from bot.runtime.adapters import check_settings
from bot.runtime.app import App, freeze_startup_objects
from bot.runtime.server import build_web_app, listen, runner
from bot.support.settings import SettingsError, load_settings
from storage.database import AlreadyRunning

log = logging.getLogger("dialoogbot")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("serve", help="run the bot (Slack, Teams, health and metrics)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=3978, help="port to listen on")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(serve(args.host, args.port))
    except (SettingsError, PromptError, SecretError) as exc:
        print(f"dialoogbot: {exc}", file=sys.stderr)
        return 2
    except (OSError, SQLAlchemyError) as exc:
        reason = getattr(exc, "orig", None) or exc
        print(
            f"dialoogbot: DIALOOG_DATABASE_URL: cannot use the database ({reason})", file=sys.stderr
        )
        return 2
    except KeyboardInterrupt:
        return 0


def _preload() -> None:
    import bot.synthesis.offline  # noqa: F401  (what the first summary needs, imported ahead)
    from bot.synthesis.embeddings import encoder

    encoder()


async def serve(host: str, port: int) -> int:
    settings = load_settings()
    check_settings(settings)  # every adapter's, one line per problem, before anything opens
    app = await App.create(settings, migrate=False)
    try:
        # Before migrating: a second process on one SQLite file stops here, touching nothing.
        app.db.claim_single_process()
    except AlreadyRunning as exc:
        await app.stop()
        print(f"dialoogbot: {exc}", file=sys.stderr)
        return 2
    try:
        await app.upgrade()
    except BaseException:
        await app.stop()
        raise
    web_app, connected = await build_web_app(app)
    web_runner = runner(web_app)
    await web_runner.setup()
    try:
        await listen(web_runner, host, port)
    except OSError as exc:
        await web_runner.cleanup()
        await app.stop()
        print(f"dialoogbot: cannot listen on {host}:{port} ({exc.strerror})", file=sys.stderr)
        return 2
    await app.start()
    # The sentence model (and synthesis, with it) loads in the background now, so the first
    # round's summary need not wait for it (an explicit synthesizer in tests or the LLM path
    # simply finds it loaded). Imported in that thread too: the outbox is already sending.
    threading.Thread(target=_preload, name="sentence-model", daemon=True).start()
    freeze_startup_objects()
    log.info(
        "dialoogbot listening on http://%s:%d (health: /healthz, metrics: /metrics)", host, port
    )
    if connected:
        log.info("connected platforms: %s", ", ".join(connected))
    else:
        log.info(
            "no chat platform configured yet. To connect Slack set SLACK_BOT_TOKEN and "
            "SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode); to connect Teams set "
            "MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD. See README.md. "
            "Meanwhile try `dialoogbot demo` or `dialoogbot chat`."
        )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("stopping")
    await web_runner.cleanup()
    await app.stop()
    return 0
