"""Passwords, logins with rate limiting, and API tokens.

Passwords are hashed with argon2id (argon2-cffi defaults: 64 MiB, 3 passes), and
rehashed on login when those parameters change. At most HASHING_SLOTS hashes run at
once, so a burst of logins queues instead of taking 64 MiB each. API tokens and web
session tokens are random 256-bit strings; only their SHA-256 is stored, which is
enough for a secret with that much entropy (no need for a slow hash) and lets a
lookup use an index.

The login limit is atomic: an attempt is recorded (as a failure until its password is
verified) and the earlier failures counted in one transaction that concurrent attempts
wait for (PostgreSQL: an advisory lock; SQLite: the write lock the insert takes), so
parallel guesses see each other and at most MAX_FAILURES_PER_USERNAME get a check.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import bindparam, delete, func, select, text
from sqlalchemy.orm import Session

from servicecraft.store import ApiToken, LoginAttempt, User, WebSession

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

# How long a web session lives at most (the cookie's max age too): a working day.
SESSION_LIFETIME = timedelta(hours=12)
# Password hashes computed at once; each holds 64 MiB while it runs.
HASHING_SLOTS = max(1, min(4, os.cpu_count() or 1))
_hashing = threading.BoundedSemaphore(HASHING_SLOTS)
# Any fixed number: the PostgreSQL advisory lock that serialises the login limit's check.
_LOGIN_LOCK_KEY = 0x5C_10_61_4E

_hasher = PasswordHasher()
# Verified against when the username does not exist, so a miss costs as long as a hit.
_DUMMY_HASH = _hasher.hash("servicecraft-timing-equaliser")


class LoginLocked(Exception):
    """Too many recent failures for this username or address; try again later."""


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def hash_password(password: str) -> str:
    with _hashing:
        return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    with _hashing:
        try:
            return _hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


def _recent_failures(
    session: Session, column: Any, value: str, since: datetime, before_id: int | None = None
) -> int:
    q = select(func.count()).where(
        column == value,
        LoginAttempt.succeeded.is_(False),
        LoginAttempt.at >= since,
    )
    if before_id is not None:
        q = q.where(LoginAttempt.id < before_id)
    return int(session.execute(q).scalar_one())


def _locked(
    session: Session, username: str, ip: str, since: datetime, before_id: int | None = None
) -> bool:
    return (
        _recent_failures(session, LoginAttempt.username, username, since, before_id)
        >= MAX_FAILURES_PER_USERNAME
        or _recent_failures(session, LoginAttempt.ip, ip, since, before_id) >= MAX_FAILURES_PER_IP
    )


def is_locked(session: Session, username: str, ip: str, *, now: datetime | None = None) -> bool:
    return _locked(session, username, ip, (now or _now()) - WINDOW)


def _claim_attempt(session: Session, username: str, ip: str, now: datetime) -> LoginAttempt | None:
    """Record an attempt and say whether it may check a password, atomically.

    The attempt counts as a failure until its password is verified, so parallel attempts
    count each other. None when locked: the refused attempt stays recorded, so a lock
    cannot be waited out by an attacker who keeps hammering.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOGIN_LOCK_KEY})
    attempt = LoginAttempt(username=username, ip=ip, succeeded=False, at=now)
    session.add(attempt)
    session.flush()  # on SQLite the insert takes the write lock: later attempts wait here
    locked = _locked(session, username, ip, now - WINDOW, before_id=attempt.id)
    session.commit()
    return None if locked else attempt


def authenticate(
    session: Session, username: str, password: str, ip: str, *, now: datetime | None = None
) -> User | None:
    """The user if the password is right; None if not; LoginLocked if rate-limited.

    Disabled logins are refused like a wrong password (after the same work).
    """
    now = now or _now()
    username = username.strip()[:150]
    attempt = _claim_attempt(session, username, ip, now)
    if attempt is None:
        raise LoginLocked(username)
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    ok = verify_password(user.password_hash if user else _DUMMY_HASH, password)
    ok = ok and user is not None and user.disabled_at is None
    if ok and user is not None:
        attempt.succeeded = True
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        session.commit()
    return user if ok else None


def start_session(session: Session, user: User) -> str:
    """A new web session for the user; the token goes into the (signed) cookie."""
    token = secrets.token_urlsafe(32)
    session.add(WebSession(token_hash=_digest(token), user_id=user.id, created_at=_now()))
    session.commit()
    return token


# Every page request runs this; built once, since building it cost more than running it.
_SESSION_USER = (
    select(User)
    .join(WebSession, WebSession.user_id == User.id)
    .where(
        WebSession.token_hash == bindparam("token_hash"),
        WebSession.created_at >= bindparam("since"),
        User.disabled_at.is_(None),
    )
)


def session_user(session: Session, token: object) -> User | None:
    """The user a web session token belongs to, if the session is still open.

    Ended sessions are deleted rows, so a copied cookie stops working at logout.
    """
    if not isinstance(token, str) or len(token) > 100:
        return None
    since = _now() - SESSION_LIFETIME
    found = session.execute(_SESSION_USER, {"token_hash": _digest(token), "since": since})
    return found.scalar_one_or_none()


def end_session(session: Session, token: object) -> None:
    if isinstance(token, str):
        session.execute(delete(WebSession).where(WebSession.token_hash == _digest(token)))
        session.commit()


def end_sessions(session: Session, user_id: int) -> int:
    """End every web session of a user (password changed, login disabled); how many."""
    result = session.execute(delete(WebSession).where(WebSession.user_id == user_id))
    session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def purge_sessions(session: Session) -> int:
    """Delete expired sessions (they no longer open anything)."""
    result = session.execute(
        delete(WebSession).where(WebSession.created_at < _now() - SESSION_LIFETIME)
    )
    session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


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
    "end_session",
    "end_sessions",
    "hash_password",
    "is_locked",
    "list_tokens",
    "purge_login_attempts",
    "purge_sessions",
    "revoke_token",
    "session_user",
    "start_session",
    "verify_password",
    "verify_token",
]
