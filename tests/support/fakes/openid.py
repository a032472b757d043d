"""A fake of the Bot Framework's token service on loopback: OpenID metadata and a JWKS with an RSA key,
and tokens signed with it — so botbuilder's real JWT validation runs against keys the test controls.

It runs in a thread (botbuilder's own Emulator-token path, used in development mode, fetches the metadata
with blocking `requests`). Point `STEADYBOT_TEAMS_OPENID_METADATA_URL` at `metadata_url` and
`STEADYBOT_TEAMS_TOKEN_ISSUER` at `issuer`. It also mints Emulator tokens (`emulator_token`, issued by one
of the Microsoft STS issuers botframework-connector's EmulatorValidation knows) and serves keys endorsed for
other channels than msteams (`add_key`). `StalledServer` is a key server that accepts connections and never
answers.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from botframework.connector.auth import AppCredentials, ServiceClientCredentialsFactory
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from jwt.algorithms import RSAAlgorithm
from msrest.authentication import Authentication

ISSUER = "https://api.botframework.test"
#: An Emulator token issuer (botframework-connector EmulatorValidation, "Auth v3.1, 1.0 token").
EMULATOR_ISSUER = "https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/"


def new_key() -> RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class FakeOpenId:
    def __init__(self, issuer: str = ISSUER) -> None:
        self.issuer = issuer
        self.key = new_key()
        self.kid = f"kid-{uuid.uuid4().hex[:8]}"
        self.endorsements = ["msteams"]
        self.extra: list[tuple[RSAPrivateKey, str, list[str]]] = []  # more keys: (key, kid, endorsements)
        self.fetches = 0
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def metadata_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    def add_key(self, endorsements: list[str]) -> tuple[RSAPrivateKey, str]:
        """Another signing key in the JWKS, endorsed for `endorsements` (e.g. ["webchat"] only)."""
        key, kid = new_key(), f"kid-{uuid.uuid4().hex[:8]}"
        self.extra.append((key, kid, endorsements))
        return key, kid

    def jwks(self) -> dict[str, Any]:
        keys = []
        for key, kid, endorsements in [(self.key, self.kid, self.endorsements), *self.extra]:
            jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
            jwk.update(kid=kid, use="sig", alg="RS256", endorsements=endorsements)
            keys.append(jwk)
        return {"keys": keys}

    def start(self) -> FakeOpenId:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                fake.fetches += 1
                if self.path.startswith("/.well-known/openid-configuration"):
                    body = {"issuer": fake.issuer, "jwks_uri": f"{fake.url}/keys",
                            "id_token_signing_alg_values_supported": ["RS256"]}
                elif self.path.startswith("/keys"):
                    body = fake.jwks()
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def token(self, app_id: str, service_url: str, *, key: RSAPrivateKey | None = None, expires_in: float = 3600,
              audience: str | None = None, issuer: str | None = None, kid: str | None = None,
              **claims: Any) -> str:
        """A Bot Framework channel token; every argument can be made wrong on purpose."""
        now = int(time.time())
        payload = {"iss": issuer or self.issuer, "aud": audience or app_id, "serviceurl": service_url,
                   "nbf": now - 5, "iat": now - 5, "exp": int(now + expires_in), **claims}
        return jwt.encode(payload, key or self.key, algorithm="RS256", headers={"kid": kid or self.kid})


    def emulator_token(self, app_id: str, service_url: str, *, key: RSAPrivateKey | None = None,
                       kid: str | None = None) -> str:
        """What the Bot Framework Emulator sends: a v1.0 AAD token from a Microsoft STS issuer, `appid` = the
        bot's app id (the audience is not what EmulatorValidation checks), signed with a key of this JWKS
        (point the Emulator metadata URL here to have it accepted in development mode)."""
        return self.token(app_id, service_url, key=key, kid=kid, issuer=EMULATOR_ISSUER, audience=app_id,
                          ver="1.0", appid=app_id)


class StalledServer:
    """A key server that accepts TCP connections (the kernel's backlog does) and never answers a byte."""

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(64)

    @property
    def url(self) -> str:
        host, port = self._socket.getsockname()[:2]
        return f"http://{host}:{port}/.well-known/openid-configuration"

    def close(self) -> None:
        self._socket.close()


class StaticToken(AppCredentials):
    """What the bot presents to the connector: a fixed AAD token (no login round trip in tests)."""

    def __init__(self, app_id: str, token: str) -> None:
        super().__init__(app_id=app_id)
        self._token = token

    def get_access_token(self, force_refresh: bool = False) -> str:
        return self._token


class StaticTokenFactory(ServiceClientCredentialsFactory):
    """The ``adapter_options={"teams_credentials": …}` of build_runtime: validates the app id, issues StaticToken credentials."""

    def __init__(self, app_id: str, token: str) -> None:
        self.app_id = app_id
        self.token = token

    async def is_valid_app_id(self, app_id: str) -> bool:
        return app_id == self.app_id

    async def is_authentication_disabled(self) -> bool:
        return False

    async def create_credentials(self, app_id: str, oauth_scope: str, login_endpoint: str,
                                 validate_authority: bool) -> Authentication:
        return StaticToken(app_id, self.token)
