"""Passwords, logins with rate limiting, and API tokens.

Passwords are hashed with argon2id (argon2-cffi defaults: 64 MiB, 3 passes), and
rehashed on login when those parameters change. API tokens are random 256-bit
strings; only their SHA-256 is stored, which is enough for a secret with that
much entropy (no need for a slow hash) and lets a lookup use an index.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from servicecraft.store import ApiToken, LoginAttempt, User

SCOPES = ("read", "import")
TOKEN_PREFIX = "sc_"

# Failed logins allowed per window before further attempts are refused outright.
# Per username: stops guessing one account's password. Per IP: stops spraying
# many accounts from one place; higher, because an office shares one address.
WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USERNAME = 5
MAX_FAILURES_PER_IP = 20

# A token's last_used_at is written at most this often, so reads stay reads.
_LAST_USED_GRANULARITY = timedelta(minutes=1)

_hasher = PasswordHasher()
# Verified against when the username does not exist, so a miss costs as long as a hit.
_DUMMY_HASH = _hasher.hash("servicecraft-timing-equaliser")


class LoginLocked(Exception):
    """Too many recent failures for this username or address; try again later."""


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _recent_failures(
    session: Session, column: InstrumentedAttribute[str], value: str, since: datetime
) -> int:
    q = select(func.count()).where(
        column == value,
        LoginAttempt.succeeded.is_(False),
        LoginAttempt.at >= since,
    )
    return int(session.execute(q).scalar_one())


def is_locked(session: Session, username: str, ip: str, *, now: datetime | None = None) -> bool:
    since = (now or _now()) - WINDOW
    return (
        _recent_failures(session, LoginAttempt.username, username, since)
        >= MAX_FAILURES_PER_USERNAME
        or _recent_failures(session, LoginAttempt.ip, ip, since) >= MAX_FAILURES_PER_IP
    )


def authenticate(
    session: Session, username: str, password: str, ip: str, *, now: datetime | None = None
) -> User | None:
    """The user if the password is right; None if not; LoginLocked if rate-limited.

    Every attempt is recorded (and committed), including refused ones while
    locked, so a lock cannot be waited out by an attacker who keeps hammering.
    """
    now = now or _now()
    username = username.strip()[:150]
    if is_locked(session, username, ip, now=now):
        session.add(LoginAttempt(username=username, ip=ip, succeeded=False, at=now))
        session.commit()
        raise LoginLocked(username)
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    ok = verify_password(user.password_hash if user else _DUMMY_HASH, password) and user is not None
    ok = ok and user is not None and user.disabled_at is None
    if ok and user is not None and _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.add(LoginAttempt(username=username, ip=ip, succeeded=ok, at=now))
    session.commit()
    return user if ok else None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_scopes(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    items = value.replace(",", " ").split() if isinstance(value, str) else list(value)
    return [s for s in SCOPES if s in items]


def create_token(session: Session, user_id: int, name: str, scopes: Iterable[str]) -> str:
    """Create a token and return its plaintext: the only time it exists outside the client."""
    wanted = parse_scopes(list(scopes))
    if not wanted:
        raise ValueError(f"a token needs at least one scope of {', '.join(SCOPES)}")
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            user_id=user_id,
            token_hash=_digest(plaintext),
            name=name.strip()[:80] or "token",
            scopes=" ".join(wanted),
            created_at=_now(),
        )
    )
    session.commit()
    return plaintext


@dataclass(frozen=True, slots=True)
class TokenCheck:
    user: User | None
    scope_ok: bool


def verify_token(session: Session, plaintext: str, scope: str) -> TokenCheck:
    """Which user a bearer token speaks for, and whether it carries `scope`.

    Unknown, revoked and malformed tokens all give user=None (401); a valid token
    without the scope gives scope_ok=False (403).
    """
    if not plaintext.startswith(TOKEN_PREFIX) or len(plaintext) > 200:
        return TokenCheck(None, False)
    row = session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(
            ApiToken.token_hash == _digest(plaintext),
            ApiToken.revoked_at.is_(None),
            User.disabled_at.is_(None),
        )
    ).first()
    if row is None:
        return TokenCheck(None, False)
    token, user = row
    now = _now()
    if token.last_used_at is None or now - token.last_used_at > _LAST_USED_GRANULARITY:
        token.last_used_at = now
        session.commit()
    return TokenCheck(user, scope in parse_scopes(token.scopes))


def revoke_token(session: Session, token_id: int, *, owner_id: int | None = None) -> bool:
    """Revoke a token; with owner_id, only if it belongs to that user. True if revoked now."""
    q = select(ApiToken).where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None))
    if owner_id is not None:
        q = q.where(ApiToken.user_id == owner_id)
    token = session.execute(q).scalar_one_or_none()
    if token is None:
        return False
    token.revoked_at = _now()
    session.commit()
    return True


def list_tokens(session: Session, *, owner_id: int | None = None) -> list[dict[str, object]]:
    """Tokens (never their hashes) for the tokens page, newest first."""
    q = select(ApiToken, User.username).join(User, User.id == ApiToken.user_id)
    if owner_id is not None:
        q = q.where(ApiToken.user_id == owner_id)
    q = q.order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    return [
        {
            "id": t.id,
            "name": t.name,
            "username": username,
            "user_id": t.user_id,
            "scopes": parse_scopes(t.scopes),
            "created_at": t.created_at,
            "last_used_at": t.last_used_at,
            "revoked_at": t.revoked_at,
        }
        for t, username in session.execute(q)
    ]


def purge_login_attempts(session: Session, *, older_than: timedelta = timedelta(days=30)) -> int:
    """Delete old attempts; the limiter only looks at the last WINDOW."""
    cutoff = _now() - older_than
    rows = session.execute(select(LoginAttempt).where(LoginAttempt.at < cutoff)).scalars().all()
    for r in rows:
        session.delete(r)
    session.commit()
    return len(rows)


__all__ = [
    "SCOPES",
    "LoginLocked",
    "TokenCheck",
    "authenticate",
    "create_token",
    "hash_password",
    "is_locked",
    "list_tokens",
    "purge_login_attempts",
    "revoke_token",
    "verify_password",
    "verify_token",
]
