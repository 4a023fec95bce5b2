"""Query strings of the chat pages and `/api/chats`, read by Django forms.

A form turns query-string text into values (dates, numbers, flags) and builds the pure query
value from them: :class:`chats.search.query.MessageFilter`, whose own rules (words, date range,
cursor) raise :class:`chats.search.query.BadQuery`; the form reports that on the parameter it
names. So each rule is checked once, and every error reads ``"<parameter>: <why>"``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms

from chats.search.query import DEFAULT_LIMIT, BadQuery, Cursor, MessageFilter

__all__ = [
    "ChatForm",
    "ConversationForm",
    "ReaderForm",
    "SearchForm",
    "first_error",
    "search_query",
]

_TRUE = frozenset({"1", "on", "true", "yes"})
_DATE_ERRORS = {"invalid": "not a date; use YYYY-MM-DD"}


class FlagField(forms.Field):
    """A checkbox in a query string: ``1``, ``on``, ``true`` or ``yes`` (any case) is on.

    (Django's CheckboxInput would read any other text, "0" and "off" too, as on.)
    """

    widget = forms.TextInput

    def __init__(self) -> None:
        super().__init__(required=False)

    def to_python(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        return isinstance(value, str) and value.strip().lower() in _TRUE


class ChatForm(forms.Form):
    """One chat of the signed-in user, named in the query string (its statistics)."""

    chat = forms.CharField(max_length=200, strip=False)


class SearchForm(forms.Form):
    """``?chat=&sender=&q=&date=&from=&to=&hide_system=&only_media=&limit=&cursor=&seen=&total=``.

    ``owner`` is the signed-in user's owner value (never a parameter); ``page_size`` the
    limit when none is given, and the most a page shows when ``page_size_is_max``;
    ``newest_first`` the order of the results.
    """

    chat = forms.CharField(required=False, max_length=200)
    sender = forms.CharField(required=False, max_length=500)
    q = forms.CharField(required=False, max_length=2000)
    date = forms.DateField(required=False, input_formats=["%Y-%m-%d"], error_messages=_DATE_ERRORS)
    hide_system = FlagField()
    only_media = FlagField()
    limit = forms.IntegerField(
        required=False,
        min_value=1,
        error_messages={"invalid": "not a whole number", "min_value": "must be at least 1"},
    )
    cursor = forms.CharField(required=False, max_length=2048)
    # The search page's own figures on later pages: matches shown before, matches in all.
    seen = forms.IntegerField(required=False, min_value=0)
    total = forms.IntegerField(required=False, min_value=0)

    def __init__(
        self,
        data: Any,
        *,
        owner: str,
        page_size: int = DEFAULT_LIMIT,
        page_size_is_max: bool = False,
        newest_first: bool = False,
    ) -> None:
        super().__init__(data)
        # "from" is a Python keyword, so these two are added by name.
        for name in ("from", "to"):
            self.fields[name] = forms.DateField(
                required=False, input_formats=["%Y-%m-%d"], error_messages=_DATE_ERRORS
            )
        self.owner = owner
        self.page_size = page_size
        self.page_size_is_max = page_size_is_max
        self.newest_first = newest_first

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        limit = data.get("limit") or self.page_size
        if self.page_size_is_max:
            limit = min(limit, self.page_size)
        try:
            data["filter"] = MessageFilter(
                owner=self.owner,
                chat=data.get("chat"),
                sender=data.get("sender"),
                q=data.get("q"),
                date=data.get("date"),
                date_from=data.get("from"),
                date_to=data.get("to"),
                hide_system=bool(data.get("hide_system")),
                only_media=bool(data.get("only_media")),
                limit=limit,
                cursor=data.get("cursor"),
                newest_first=self.newest_first,
            )
        except BadQuery as exc:
            self.add_error(exc.parameter if exc.parameter in self.fields else None, exc.reason)
        return data

    @property
    def message_filter(self) -> MessageFilter:
        """The checked query (after ``is_valid()`` said yes)."""
        found: MessageFilter = self.cleaned_data["filter"]
        return found


def _fields(f: MessageFilter) -> dict[str, Any]:
    return {
        "owner": f.owner,
        "chat": f.chat,
        "sender": f.sender,
        "q": f.q,
        "date": f.date,
        "date_from": f.date_from,
        "date_to": f.date_to,
        "hide_system": f.hide_system,
        "only_media": f.only_media,
        "limit": f.limit,
        "cursor": f.cursor,
    }


class ConversationForm(ChatForm):
    """``?chat=&at=&date=&cursor=&dir=&me=&q=&part=``: one chat, around a message, from a date
    or a page at a time; ``q``'s words are highlighted; ``part`` asks for the messages alone
    (what the page adds above or below the ones it shows)."""

    at = forms.CharField(required=False, max_length=256)
    date = forms.DateField(required=False, input_formats=["%Y-%m-%d"], error_messages=_DATE_ERRORS)
    cursor = forms.CharField(required=False, max_length=2048)
    dir = forms.ChoiceField(required=False, choices=[("older", "older"), ("newer", "newer")])
    me = forms.CharField(required=False, max_length=500)
    q = forms.CharField(required=False, max_length=2000)
    part = FlagField()

    def clean_cursor(self) -> str | None:
        cursor: str = self.cleaned_data.get("cursor") or ""
        if not cursor:
            return None
        try:
            Cursor.decode(cursor)
        except BadQuery as exc:
            raise forms.ValidationError(exc.reason) from exc
        return cursor

    def clean_dir(self) -> str:
        return self.cleaned_data.get("dir") or "older"


class ReaderForm(ChatForm):
    """POST ``chat``, ``me`` (empty: nobody) and the ``at`` message to come back to."""

    me = forms.CharField(required=False, max_length=500, strip=False)
    at = forms.CharField(required=False, max_length=256)


def first_error(form: forms.Form) -> str:
    """The form's first error as ``"<parameter>: <why>"`` (a plain message for a page or API)."""
    for name, errors in form.errors.items():
        message = str(errors[0]).rstrip(".")
        return message if name == "__all__" else f"{name}: {message}"
    return ""


def search_query(f: MessageFilter, **changes: Any) -> str:
    """The query string of a search (with ``changes``, e.g. another cursor), for links."""
    values = {**_fields(f), **changes}
    pairs: list[tuple[str, str]] = []
    for name, key in (
        ("q", "q"),
        ("chat", "chat"),
        ("sender", "sender"),
        ("date", "date"),
        ("from", "date_from"),
        ("to", "date_to"),
    ):
        if values[key]:
            pairs.append((name, str(values[key])))
    if values["hide_system"]:
        pairs.append(("hide_system", "1"))
    if values["only_media"]:
        pairs.append(("only_media", "1"))
    if values["cursor"]:
        pairs.append(("cursor", values["cursor"]))
    for name in ("seen", "total"):
        if changes.get(name) is not None:
            pairs.append((name, str(changes[name])))
    return urlencode(pairs)
