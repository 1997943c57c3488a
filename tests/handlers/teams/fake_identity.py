"""A stand-in for the Bot Framework's token signing: an RSA key, its OpenID metadata and JWKS on 127.0.0.1.

The Bot Framework SDK fetches the metadata with blocking `requests`, so this server runs in a thread of its
own (an aiohttp server on the test's event loop could not answer while the loop is blocked).
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ISSUER = "https://api.botframework.com"  # what the Bot Connector's tokens carry


class FakeIdentity:
    """Signs tokens the way the Bot Connector does and publishes the public key, endorsed for Teams."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "local-test-key"
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.metadata_url = f"{self.url}/v1/.well-known/openidconfiguration"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def jwks(self) -> dict[str, Any]:
        public = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**public, "kid": self.kid, "use": "sig", "endorsements": ["msteams"]}]}

    def token(self, app_id: str, service_url: str, **changes: Any) -> str:
        """A token for `app_id` and `service_url`; `changes` overrides claims (or `kid`, `key`) to forge one."""
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": app_id, "serviceurl": service_url, "nbf": now - 60, "exp": now + 3600}
        key = changes.pop("key", self.key)
        kid = changes.pop("kid", self.kid)
        claims.update(changes)
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        identity = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.endswith("openidconfiguration"):
                    body = {"issuer": ISSUER, "jwks_uri": f"{identity.url}/keys",
                            "id_token_signing_alg_values_supported": ["RS256"]}
                elif self.path == "/keys":
                    body = identity.jwks()
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler
