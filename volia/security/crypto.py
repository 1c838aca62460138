"""Encryption at rest for restricted fields, and keyed hashes for looking them up.

Keys are Fernet keys (AES-128-CBC + HMAC-SHA256, authenticated). The key ring is read from,
in this order:

- `VOLIA_ENCRYPTION_KEY`: one or more keys separated by commas;
- `VOLIA_ENCRYPTION_KEY_FILE`: a file with one key per line (`#` comments allowed);
- else `VOLIA_DATA_DIR/encryption_keys`, generated once with mode 0600 (like the secret key).

The FIRST key encrypts; every key decrypts. A stored value is `v1:<key id>:<Fernet token>`,
the key id being the first 8 hex digits of SHA-256 of the key, so a value encrypted under a key
that is not configured gives a clear error naming the missing key id instead of garbage.
Rotation: put a new key first, run `volia rotate-key` (re-encrypts every value in one
transaction), then remove the old key (docs/security.md, "Encryption at rest").
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "v1"
KEY_FILE_NAME = "encryption_keys"


class CryptoError(Exception):
    """A key or an encrypted value is unusable; the message says which and why."""


class MissingKeyError(CryptoError):
    pass


@dataclass(frozen=True)
class Key:
    id: str
    text: str = field(repr=False)  # for `volia backup --include-keys` only
    fernet: Fernet = field(repr=False)
    lookup_secret: bytes = field(repr=False)  # derived: the HMAC key for keyed lookup hashes

    @classmethod
    def from_text(cls, text: str, where: str) -> Key:
        text = text.strip()
        try:
            raw = base64.urlsafe_b64decode(text.encode("ascii"))
            if len(raw) != 32:
                raise ValueError
            fernet = Fernet(text.encode("ascii"))
        except (ValueError, UnicodeEncodeError) as exc:
            raise CryptoError(f"{where}: not a valid encryption key (expected 32 url-safe base64 bytes, "
                              f"as printed by `volia rotate-key --generate-key`)") from exc
        lookup = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"volia lookup hash v1").derive(raw)
        return cls(id=key_id(text), text=text, fernet=fernet, lookup_secret=lookup)


def key_id(text: str) -> str:
    return hashlib.sha256(text.strip().encode("ascii")).hexdigest()[:8]


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")


class KeyRing:
    def __init__(self, keys: list[Key], origin: str):
        if not keys:
            raise CryptoError(f"{origin}: no encryption key")
        self.keys = keys
        self.origin = origin
        self.by_id = {k.id: k for k in keys}

    @property
    def active(self) -> Key:
        return self.keys[0]

    def encrypt(self, plaintext: str) -> str:
        token = self.active.fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")
        return f"{PREFIX}:{self.active.id}:{token}"

    def decrypt(self, stored: str) -> str:
        kid, token = parse(stored)
        key = self.by_id.get(kid)
        if key is None:
            raise MissingKeyError(f"a value is encrypted under key id {kid}, which is not among the configured keys "
                                  f"({', '.join(self.by_id)}; from {self.origin}); configure that key to read it")
        try:
            return key.fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken as exc:
            raise CryptoError(f"a value encrypted under key id {kid} fails authentication: it was altered or "
                              f"corrupted") from exc

    def lookup_hashes(self, normalised: str) -> list[str]:
        """The keyed hash under every configured key (the active one first): lookups keep working mid-rotation."""
        return [_hmac(k, normalised) for k in self.keys]

    def lookup_hash(self, normalised: str) -> str:
        return _hmac(self.active, normalised)


def _hmac(key: Key, value: str) -> str:
    return hmac.new(key.lookup_secret, value.encode("utf-8"), hashlib.sha256).hexdigest()


def parse(stored: str) -> tuple[str, str]:
    """(key id, token) of a stored value; CryptoError if it is not an encrypted value."""
    parts = stored.split(":", 2)
    if len(parts) != 3 or parts[0] != PREFIX or len(parts[1]) != 8:
        raise CryptoError("a value of an encrypted column is not in the encrypted format (v1:<key id>:<token>); "
                          "it was written around the application or damaged")
    return parts[1], parts[2]


def is_encrypted(stored: str) -> bool:
    try:
        parse(stored)
    except CryptoError:
        return False
    return True


def _parse_keys(text: str, where: str) -> list[Key]:
    keys = []
    for n, line in enumerate(text.replace(",", "\n").splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if line:
            keys.append(Key.from_text(line, f"{where} (key {n})"))
    return keys


def key_file_path() -> Path:
    from django.conf import settings

    return Path(settings.DATA_DIR) / KEY_FILE_NAME


def load_keyring() -> KeyRing:
    if env := os.environ.get("VOLIA_ENCRYPTION_KEY"):
        return KeyRing(_parse_keys(env, "VOLIA_ENCRYPTION_KEY"), "VOLIA_ENCRYPTION_KEY")
    if name := os.environ.get("VOLIA_ENCRYPTION_KEY_FILE"):
        path = Path(name)
        try:
            text = path.read_text(encoding="ascii")
        except OSError as exc:
            raise CryptoError(f"VOLIA_ENCRYPTION_KEY_FILE {path}: cannot read: {exc.strerror}") from exc
        return KeyRing(_parse_keys(text, str(path)), str(path))
    path = key_file_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it a moment ago
        else:
            with os.fdopen(fd, "w") as f:
                f.write(generate_key() + "\n")
    return KeyRing(_parse_keys(path.read_text(encoding="ascii"), str(path)), str(path))


_lock = threading.Lock()
_ring: KeyRing | None = None


def keyring() -> KeyRing:
    """The configured key ring, read once per process (`reset()` after changing the configuration)."""
    global _ring
    with _lock:
        if _ring is None:
            _ring = load_keyring()
        return _ring


def reset() -> None:
    global _ring
    with _lock:
        _ring = None


def encrypt(plaintext: str) -> str:
    return keyring().encrypt(plaintext)


def decrypt(stored: str) -> str:
    return keyring().decrypt(stored)


def normalise_phone(phone: str) -> str:
    """Digits only, with a Belarusian local number (80 29 ...) written internationally (375 29 ...)."""
    digits = "".join(c for c in phone if c.isdigit())
    if len(digits) == 11 and digits.startswith("80"):
        digits = "375" + digits[2:]
    return digits
