"""Who the owner is in a chat ("me": drawn on the right), remembered per owner and chat.

Until the owner says, it is guessed: the sender whose name is the account's name (first
name, full name or user name, ignoring case and accents), else the chat's most active sender.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chats.models import ChatReader
from chats.search.text import fold

__all__ = ["guess_me", "reader_of", "remember"]


def _account_names(user: Any) -> list[str]:
    names = [
        user.get_full_name() if hasattr(user, "get_full_name") else "",
        getattr(user, "first_name", ""),
        getattr(user, "username", ""),
    ]
    return [fold(n).strip() for n in names if n and n.strip()]


def guess_me(user: Any, senders: Sequence[str]) -> str:
    """A sender of `senders` (most active first) who is probably the account's owner."""
    by_fold = {fold(s).strip(): s for s in reversed(senders)}
    for name in _account_names(user):
        if name in by_fold:
            return by_fold[name]
    return senders[0] if senders else ""


def reader_of(user: Any, chat: str, senders: Sequence[str]) -> tuple[str, bool]:
    """("me" for this chat, whether the owner chose it) — chosen before, else guessed."""
    chosen = ChatReader.objects.filter(owner_id=user.pk, chat=chat).values_list("me", flat=True)
    for me in chosen:
        return me, True
    return guess_me(user, senders), False


def remember(user: Any, chat: str, me: str) -> None:
    """Keep the owner's choice for this chat ("" = nobody on the right)."""
    ChatReader.objects.update_or_create(owner_id=user.pk, chat=chat, defaults={"me": me})
