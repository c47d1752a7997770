"""PIN and token hashing (stdlib only)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

_ITERATIONS = 120_000


def hash_pin(pin: str, salt: str | None = None, iterations: int = _ITERATIONS) -> str:
    """PBKDF2-SHA256 hash of a PIN as ``pbkdf2$iterations$salt$hex``."""
    salt = salt or secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt.encode(), iterations)
    return f"pbkdf2${iterations}${salt}${digest.hex()}"


def verify_pin(pin: str, stored: str | None) -> bool:
    if not stored:
        return False
    try:
        scheme, iterations, salt, hexdigest = stored.split("$")
    except ValueError:
        return False
    if scheme != "pbkdf2":
        return False
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt.encode(), int(iterations))
    return hmac.compare_digest(digest.hex(), hexdigest)


def new_token() -> str:
    return "lst_" + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Tokens are long random strings, so a plain SHA-256 is enough to store them."""
    return hashlib.sha256(token.encode()).hexdigest()
