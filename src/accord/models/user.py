"""People: accounts, their roles in plans, web sessions, API tokens and signing keys."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Timestamped, new_uid
from .plan import Party, Plan

ROLES = ("evaluator", "signer", "observer")
"""Roles within a plan.  Evaluators and signers act for their party; observers only read.
Administration (plans, parties, users) is the account-wide `is_admin` flag."""


class User(Timestamped, Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uid)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    """The interface language the user chose ("ko", "en"); None: from the browser."""

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )


class Membership(Base):
    """A user's role in a plan, for a party (observers may have none)."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("user_id", "plan_id", "party_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    party_id: Mapped[int | None] = mapped_column(ForeignKey("party.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))

    user: Mapped[User] = relationship(back_populates="memberships")
    plan: Mapped[Plan] = relationship()
    party: Mapped[Party | None] = relationship()


class WebSession(Base):
    """A signed-in browser.  The cookie holds a random token; only its hash is stored."""

    __tablename__ = "web_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)

    user: Mapped[User] = relationship()


class ApiToken(Timestamped, Base):
    """A bearer token for the API and the CLI, shown once; only its hash is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uid)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)

    user: Mapped[User] = relationship()


class SigningKey(Timestamped, Base):
    """A signer's Ed25519 key pair; the private key is PKCS#8, encrypted with a passphrase."""

    __tablename__ = "signing_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), unique=True
    )
    public_key: Mapped[str] = mapped_column(String(64))  # raw 32 bytes, base64
    private_key_pem: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(64))

    user: Mapped[User] = relationship()


class SignInFailure(Base):
    """A failed password or signing-passphrase attempt, kept for the lock-out window.

    Lives in the database, not in process memory, so every server worker sees the same count.
    """

    __tablename__ = "sign_in_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))  # password | passphrase
    username: Mapped[str] = mapped_column(String(150), index=True)  # lower-cased, as typed
    client: Mapped[str] = mapped_column(String(64), index=True)  # the client address
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
