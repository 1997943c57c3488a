"""Encryption at rest (AES-GCM) for concern text and names, and a keyed hash for pupil look-up."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
KEY_ID_CHARS = 8  # hex characters of a key id
SEALED_PREFIX_CHARS = 12  # a sealed value starts with its key id in base64 (8 bytes -> 12 characters), then "."


class DataKeyError(Exception):
    """Raised when a data key is missing, malformed or unknown."""


def _decode_key(text: str) -> bytes:
    """Decodes a base64 (url-safe or standard) 32-byte key."""
    raw = text.strip()
    try:
        key = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    except ValueError as exc:
        raise DataKeyError("PREVENT_DATA_KEY is not valid base64") from exc
    if len(key) != KEY_BYTES:
        raise DataKeyError(f"PREVENT_DATA_KEY must decode to {KEY_BYTES} bytes, got {len(key)}")
    return key


def new_key() -> str:
    """Returns a fresh key as url-safe base64 text."""
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode().rstrip("=")


def key_id(key: bytes) -> str:
    """Returns a short public id for a key, stored with each row for rotation."""
    return hashlib.sha256(b"prevent-key-id" + key).hexdigest()[:KEY_ID_CHARS]


def sealed_prefix(kid: str) -> str:
    """Returns how every value sealed with the key `kid` begins (its first SEALED_PREFIX_CHARS characters)."""
    return base64.urlsafe_b64encode(kid.encode()).decode()


def key_id_of_prefix(prefix: str) -> str:
    """Returns the key id a sealed value's first SEALED_PREFIX_CHARS characters name ('?' if they name none)."""
    try:
        return base64.urlsafe_b64decode(prefix).decode()
    except (ValueError, UnicodeDecodeError):
        return "?"


def _name_hash(key: bytes, name: str) -> str:
    """Returns the keyed hash of a normalised name (case, accents, spacing and punctuation ignored)."""
    folded = unicodedata.normalize("NFKD", name).casefold()
    normalised = " ".join("".join(c for c in folded if c.isalnum() or c.isspace()).split())
    return hmac.new(key, b"pupil:" + normalised.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Cipher:
    """Encrypts with the current key; decrypts with any key it knows (for rotation)."""

    current: bytes
    older: tuple[bytes, ...] = ()
    _by_id: dict[str, AESGCM] = field(default_factory=dict)  # built once per key: rows are sealed every turn

    @classmethod
    def from_keys(cls, current: str, *older: str) -> Cipher:
        """Builds a cipher from base64 keys: the first encrypts, all decrypt."""
        keys = [_decode_key(current), *(_decode_key(k) for k in older if k.strip())]
        return cls(keys[0], tuple(keys[1:]), {key_id(k): AESGCM(k) for k in keys})

    @property
    def current_id(self) -> str:
        """The id of the key new values are sealed with."""
        return key_id(self.current)

    @property
    def older_ids(self) -> tuple[str, ...]:
        """The ids of the earlier keys kept only to read values sealed before a rotation."""
        return tuple(kid for kid in (key_id(k) for k in self.older) if kid != self.current_id)

    def encrypt(self, plaintext: str) -> str:
        """Returns `kid.nonce.ciphertext`, each part url-safe base64."""
        kid = self.current_id
        nonce = os.urandom(12)
        sealed = self._by_id[kid].encrypt(nonce, plaintext.encode(), None)
        return ".".join(base64.urlsafe_b64encode(p).decode() for p in (kid.encode(), nonce, sealed))

    def sealed_with(self, token: str) -> str:
        """Returns the id of the key a value was sealed with ('' for an empty value)."""
        return key_id_of_prefix(token[:SEALED_PREFIX_CHARS]) if token else ""

    def decrypt(self, token: str) -> str:
        """Reverses `encrypt`, using the key the row names."""
        if not token:
            return ""
        kid_b64, nonce_b64, sealed_b64 = token.split(".")
        kid = base64.urlsafe_b64decode(kid_b64).decode()
        key = self._by_id.get(kid)
        if key is None:
            raise DataKeyError(f"no key with id {kid} is configured (set PREVENT_DATA_KEY_OLD)")
        nonce, sealed = base64.urlsafe_b64decode(nonce_b64), base64.urlsafe_b64decode(sealed_b64)
        return key.decrypt(nonce, sealed, None).decode()

    def name_hash(self, name: str) -> str:
        """Returns a keyed hash of a normalised name, to find earlier concerns about a pupil."""
        return _name_hash(self.current, name)

    def name_hashes(self, name: str) -> tuple[str, ...]:
        """Returns the name's hash under every configured key, current first.

        Concerns stored before a key rotation keep the old key's hash until `prevent-bot db rekey`
        re-seals them, so a look-up must try every key or it would miss them.
        """
        return tuple(dict.fromkeys(_name_hash(key, name) for key in (self.current, *self.older)))


def key_file_for(database_path: Path) -> Path:
    """Returns the key file that sits beside a SQLite database."""
    return database_path.with_name(database_path.name + ".key")


def load_or_create_key_file(path: Path) -> tuple[str, bool]:
    """Reads the local key file, creating it with 0600 permissions if missing; returns (key, created)."""
    if path.exists():
        return path.read_text().strip(), False
    path.parent.mkdir(parents=True, exist_ok=True)
    key = new_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key, True
