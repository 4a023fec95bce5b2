"""The conversation page: one chat as bubbles, opening at the newest message as WhatsApp does.

The page is a scrolling pane of messages; older (and, around a message, newer) pages are
fetched by the page's script as parts (``part=1``) and added in place. A date jumps to the
first message of that day. Who "me" is (drawn on the right) is remembered per chat.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from chats import presenters, readers
from chats.forms import ConversationForm, ReaderForm
from chats.search.backend import ChatsUnavailable, get_engine, owner_of
from chats.search.engines import ChatEngine, Cursor, Row
from chats.search.query import MessageFilter

PAGE_SIZE = 150
CONTEXT_RADIUS = 25

Rows = tuple[list[Row], str | None, str | None, str | None]


def _around(engine: ChatEngine, owner: str, chat: str, at: str) -> Rows | None:
    rows = engine.message_context(owner, chat, at, CONTEXT_RADIUS)
    if not rows:
        return None
    index = next((i for i, r in enumerate(rows) if r["message_id"] == at), 0)
    older = Cursor.after_row(rows[0]).encode() if index >= CONTEXT_RADIUS else None
    after = len(rows) - index - 1
    newer = Cursor.after_row(rows[-1]).encode() if after >= CONTEXT_RADIUS else None
    return rows, at, older, newer


def _first_from(engine: ChatEngine, owner: str, chat: str, day: dt.date) -> str | None:
    """The first message on or after `day`, else the chat's last message."""
    found = engine.search(MessageFilter(owner=owner, chat=chat, date_from=day, limit=1))
    if not found.rows:
        found = engine.search(MessageFilter(owner=owner, chat=chat, limit=1, newest_first=True))
    return str(found.rows[0]["message_id"]) if found.rows else None


def _rows(engine: ChatEngine, owner: str, chat: str, asked: dict[str, Any]) -> Rows:
    """Rows of the page asked for, the anchor message id, and cursors for older and newer."""
    at = asked.get("at") or None
    if asked.get("date") and not at:
        at = _first_from(engine, owner, chat, asked["date"])
    cursor = asked.get("cursor") or None
    if at:
        around = _around(engine, owner, chat, at)
        if around is not None:
            return around
        cursor = None  # the message is gone (or not this chat's): show the latest page instead
    if asked["dir"] == "newer":
        page = engine.conversation(owner, chat, cursor, PAGE_SIZE)
        older = Cursor.after_row(page.rows[0]).encode() if page.rows and cursor else None
        return page.rows, None, older, page.next_cursor
    page = engine.conversation(owner, chat, cursor, PAGE_SIZE, backwards=True)
    newer = Cursor.after_row(page.rows[-1]).encode() if page.rows and cursor else None
    return page.rows, None, page.next_cursor, newer


def _page_link(chat: str, cursor: str | None, direction: str, extra: dict[str, str]) -> str:
    if not cursor:
        return ""
    query = {"chat": chat, "cursor": cursor, "dir": direction, **extra}
    return f"{reverse('chats:conversation')}?{urlencode(query)}"


@require_GET
def conversation(request: HttpRequest) -> HttpResponse:
    """One chat as bubbles: the latest page first, around a message (``at``) or from a date."""
    form = ConversationForm(request.GET)
    if not form.is_valid() and "chat" in form.errors:
        return redirect("chats:index")
    chat: str = form.cleaned_data["chat"]
    context: dict[str, Any] = {"chat": chat, "hue": presenters.sender_hue(chat), "days": []}
    try:
        engine = get_engine()
    except ChatsUnavailable as exc:
        return render(request, "chats/unavailable.html", {"reason": str(exc)}, status=503)
    owner = owner_of(request.user)
    if not form.is_valid():
        context["error"] = "That page link is not valid any more."
        if "date" in form.errors:
            context["error"] = "That is not a date; choose one with the date picker."
        return render(request, "chats/conversation.html", context, status=400)
    asked = form.cleaned_data
    senders = [str(s["sender"]) for s in engine.senders(owner, chat)]
    if "me" in request.GET:
        me, chosen = asked["me"], True
    else:
        me, chosen = readers.reader_of(request.user, chat, senders)
    rows, anchor, older, newer = _rows(engine, owner, chat, asked)
    words = tuple(asked["q"].split()) if asked["q"] else ()
    urls = presenters.photo_urls(request.user, rows, chat=chat)
    hues = presenters.sender_hues(r["sender"] for r in rows)
    bubbles = [
        presenters.bubble(r, words=words, photo_urls=urls, hues=hues, me=me, anchor=anchor)
        for r in rows
    ]
    extra = {"me": me} if "me" in request.GET else {}
    if words:
        extra["q"] = asked["q"]
    context.update(
        days=presenters.by_day(bubbles),
        anchor=anchor,
        older=_page_link(chat, older, "older", extra),
        newer=_page_link(chat, newer, "newer", extra),
        me=me,
        me_chosen=chosen,
        senders=sorted(set(senders) | ({me} if me else set()), key=str.casefold),
        jumped=asked.get("date"),
    )
    if asked["part"]:
        # A part goes above the messages shown (older) or below them (newer): only its own
        # way onward is new to the page.
        context["newer" if asked["dir"] == "older" else "older"] = ""
        return render(request, "chats/_convo_page.html", context)
    return render(request, "chats/conversation.html", context)


@require_POST
def reader(request: HttpRequest) -> HttpResponse:
    """Remember who "me" is in a chat, then show the conversation again."""
    form = ReaderForm(request.POST)
    if not form.is_valid():
        return redirect("chats:index")
    chat = form.cleaned_data["chat"]
    readers.remember(request.user, chat, form.cleaned_data["me"])
    query = {"chat": chat}
    if form.cleaned_data["at"]:
        query["at"] = form.cleaned_data["at"]
    return redirect(f"{reverse('chats:conversation')}?{urlencode(query)}")
