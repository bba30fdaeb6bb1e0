"""The Bot Framework's OpenID endpoint on 127.0.0.1, with a test key, and tokens signed by it.

With ``MICROSOFT_APP_ID`` set, botbuilder checks every activity's ``Authorization: Bearer``
token against the signing keys the Bot Framework publishes (an OpenID configuration whose
``jwks_uri`` lists the keys). :class:`FakeOpenId` serves both documents locally with a fresh
RSA key, so tests run the real botbuilder authentication and never reach an outside host::

    with FakeOpenId() as openid:
        settings = load_settings(MICROSOFT_APP_ID=APP, MICROSOFT_APP_PASSWORD="x", **openid.env)
        token = openid.token(APP, "http://127.0.0.1:1234/")          # a valid RS256 token
        headers = {"Authorization": f"Bearer {token}"}
        expired = openid.token(APP, service_url, exp=int(time.time()) - 3600)
        foreign = openid.token(APP, service_url, key=new_key())      # unknown key, same kid
        strange = openid.token(APP, service_url, kid="other")        # a kid the fake lacks

- ``openid.url``: the OpenID metadata URL; ``openid.env``: the setting that points the bot at it,
  ``{"DIALOOG_TEAMS_OPENID_METADATA_URL": openid.url}`` (:data:`METADATA_SETTING`).
- ``openid.token(app_id, service_url, **claims)``: a token as the Bot Framework channel signs
  it (``iss`` https://api.botframework.com, ``aud`` the app id, ``serviceurl``, an hour valid);
  ``claims`` add or replace claims (``None`` removes one); ``kid=`` and ``key=`` change the
  header's key id and the signing key.
- ``openid.requests``: the paths fetched, to show botbuilder used the fake.

botbuilder fetches the keys with the blocking ``requests`` library from inside the event loop,
so the fake runs its aiohttp server on a loop in its own thread: served from the test's loop, the
fetch would wait forever for an answer that loop can no longer give.
"""

from __future__ import annotations

import asyncio
import base64
import threading
import time
import uuid
from types import TracebackType
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa

METADATA_SETTING = "DIALOOG_TEAMS_OPENID_METADATA_URL"
ISSUER = "https://api.botframework.com"  # AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER
ENDORSEMENTS = ("msteams",)


def new_key() -> rsa.RSAPrivateKey:
    """A fresh 2048-bit RSA signing key."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def jwk(
    key: rsa.RSAPrivateKey, kid: str, endorsements: tuple[str, ...] = ENDORSEMENTS
) -> dict[str, Any]:
    """The public half of ``key`` as the Bot Framework lists it in its JWKS."""
    public = key.public_key().public_numbers()
    return {
        "kty": "RSA",
        "use": "sig",
        "kid": kid,
        "n": _b64(public.n),
        "e": _b64(public.e),
        "endorsements": list(endorsements),
    }


class FakeOpenId:
    """OpenID configuration + JWKS on 127.0.0.1; start with :meth:`start` or ``with``."""

    def __init__(self) -> None:
        self.key = new_key()
        self.kid = uuid.uuid4().hex
        # A path unique to this fake: botbuilder caches keys per metadata URL for a day, and a
        # later fake may get the same port.
        self._prefix = f"/{uuid.uuid4().hex}/v1/.well-known"
        self.url = ""
        self.requests: list[str] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None

    @property
    def env(self) -> dict[str, str]:
        """The settings that point botbuilder at this fake."""
        return {METADATA_SETTING: self.url}

    def token(
        self,
        app_id: str,
        service_url: str,
        *,
        kid: str | None = None,
        key: rsa.RSAPrivateKey | None = None,
        **claims: Any,
    ) -> str:
        """An RS256 token for an activity to ``app_id`` from ``service_url``."""
        now = int(time.time())
        body: dict[str, Any] = {
            "iss": ISSUER,
            "aud": app_id,
            "serviceurl": service_url,
            "nbf": now - 60,
            "iat": now - 60,
            "exp": now + 3600,
        }
        body.update(claims)
        body = {name: value for name, value in body.items() if value is not None}
        return jwt.encode(
            body, key or self.key, algorithm="RS256", headers={"kid": kid or self.kid}
        )

    # -- the server ---------------------------------------------------------------------------
    def _web_app(self) -> web.Application:
        async def configuration(request: web.Request) -> web.Response:
            self.requests.append(request.path)
            base = f"http://{request.host}{self._prefix}"
            return web.json_response(
                {
                    "issuer": ISSUER,
                    "authorization_endpoint": f"{base}/authorize",
                    "jwks_uri": f"{base}/keys",
                    "id_token_signing_alg_values_supported": ["RS256"],
                    "token_endpoint_auth_methods_supported": ["private_key_jwt"],
                }
            )

        async def keys(request: web.Request) -> web.Response:
            self.requests.append(request.path)
            return web.json_response({"keys": [jwk(self.key, self.kid)]})

        app = web.Application()
        app.router.add_get(f"{self._prefix}/openidconfiguration", configuration)
        app.router.add_get(f"{self._prefix}/keys", keys)
        return app

    def start(self) -> str:
        """Serve on a free port on 127.0.0.1; returns the metadata URL."""
        ready = threading.Event()
        failure: list[BaseException] = []

        async def serve() -> None:
            self._runner = web.AppRunner(self._web_app(), access_log=None)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            await site.start()
            host, port = self._runner.addresses[0][:2]
            self.url = f"http://{host}:{port}{self._prefix}/openidconfiguration"

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(serve())
            except BaseException as error:  # reported to start()
                failure.append(error)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name="fake OpenID", daemon=True)
        self._thread.start()
        ready.wait(timeout=30)
        if failure:
            raise failure[0]
        return self.url

    def stop(self) -> None:
        loop, runner = self._loop, self._runner
        if loop is None or self._thread is None:
            return
        if runner is not None:
            asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(timeout=30)
        self._loop = self._thread = self._runner = None

    def __enter__(self) -> FakeOpenId:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()
