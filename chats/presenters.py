"""What the chat pages show of message rows: highlighted text, bubbles, day groups, photo links."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from chats.search.engines import Row
from chats.search.text import fold, fold_with_positions
from chats.whatsapp.parser import attachment_names

# Hues far enough apart to tell the senders of one chat apart at a glance.
_HUES = (211, 2, 145, 28, 268, 180, 330, 50, 96, 240)
_IMAGE_EXTENSIONS = {"jpg", "jpeg", "png", "gif", "webp", "heic", "heif", "tif", "tiff", "bmp"}


def match_spans(text: str, words: Iterable[str]) -> list[tuple[int, int]]:
    """Where any of `words` occurs in `text`, ignoring case and accents ("joao" marks "João");
    overlapping spans merged. Spans are positions in `text` as written."""
    haystack, positions = fold_with_positions(text)
    spans: list[tuple[int, int]] = []
    for word in {fold(w) for w in words if w}:
        if not word:
            continue
        start = haystack.find(word)
        while start >= 0:
            end = positions[start + len(word) - 1] + 1
            # Marks written as characters of their own after the last letter belong to it.
            while end < len(text) and not fold(text[end]):
                end += 1
            spans.append((positions[start], end))
            start = haystack.find(word, start + 1)
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _lines(html: str) -> str:
    return html.replace("\r\n", "\n").replace("\n", "<br>")


def highlight(text: str, words: Sequence[str] = ()) -> SafeString:
    """`text` as HTML: every piece escaped, matches of `words` in `<mark>`, line breaks kept.

    Matches are found in the raw text and each piece is escaped on its own, so a search for
    "amp" or "lt" can never cut into an entity, and no markup in a message survives.
    """
    out: list[str] = []
    at = 0
    for start, end in match_spans(text, words):
        out.append(escape(text[at:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        at = end
    out.append(escape(text[at:]))
    return mark_safe(_lines("".join(out)))  # noqa: S308 (every piece escaped above)


def _slot(name: str) -> int:
    digest = hashlib.blake2s(name.encode("utf-8", "surrogatepass"), digest_size=4).digest()
    return int.from_bytes(digest, "big") % len(_HUES)


def sender_hue(sender: str | None) -> int:
    """The hue a name gets on its own (derived from the name, so the same on every page)."""
    return _HUES[_slot(sender)] if sender else 220


def sender_hues(senders: Iterable[str | None]) -> dict[str, int]:
    """Hues for the senders shown together, each its own while the palette lasts.

    A sender keeps the hue of its name unless a sender sorted before it already took that hue;
    then it takes the next free one. The result depends only on the set of names.
    """
    taken: set[int] = set()
    hues: dict[str, int] = {}
    for name in sorted({s for s in senders if s}):
        slot = _slot(name)
        if len(taken) < len(_HUES):
            while slot in taken:
                slot = (slot + 1) % len(_HUES)
        taken.add(slot)
        hues[name] = _HUES[slot]
    return hues


def day_label(day: str) -> str:
    """The heading of a day: "Monday, 4 March 2024" for "2024-03-04" (else the text as given)."""
    try:
        d = dt.date.fromisoformat(day)
    except ValueError:
        return day
    return f"{d:%A}, {d.day} {d:%B %Y}"


_KINDS = {
    **dict.fromkeys(_IMAGE_EXTENSIONS, "photo"),
    **dict.fromkeys(("mp4", "mov", "3gp", "mkv", "webm", "avi"), "video"),
    **dict.fromkeys(("opus", "ogg", "m4a", "mp3", "aac", "amr", "wav"), "audio"),
    **dict.fromkeys(("pdf", "doc", "docx", "txt", "xls", "xlsx", "ppt", "pptx", "csv"), "document"),
    "vcf": "contact",
    "webp": "sticker",
}
_OMITTED_KINDS = {
    "image omitted": "photo",
    "video omitted": "video",
    "audio omitted": "audio",
    "sticker omitted": "sticker",
    "GIF omitted": "video",
    "document omitted": "document",
    "Contact card omitted": "contact",
}


def media_kind(name: str) -> str:
    """What an attachment is, from its name: photo, video, audio, document, contact, sticker
    or file (the icon drawn for it)."""
    kind = _KINDS.get(name.rpartition(".")[2].lower(), "file")
    # WhatsApp names stickers STK-…webp; other .webp files are pictures.
    if kind == "sticker" and not name.upper().startswith("STK-"):
        return "photo"
    return kind


@dataclass(frozen=True)
class PhotoLink:
    """The gallery photo an attachment became: its page, its thumbnail and the thumbnail's
    size as drawn (so the conversation does not move when it loads)."""

    url: str
    thumbnail: str | None = None
    width: int = 0
    height: int = 0


@dataclass(frozen=True)
class Attachment:
    name: str
    kind: str
    photo: PhotoLink | None

    @property
    def url(self) -> str | None:
        return self.photo.url if self.photo else None

    @property
    def is_image(self) -> bool:
        return self.kind == "photo"


@dataclass(frozen=True)
class Bubble:
    message_id: str
    chat: str
    sender: str | None
    date: str
    time: str
    html: SafeString
    is_system: bool
    has_media: bool
    hue: int
    attachments: tuple[Attachment, ...] = ()
    media_omitted: bool = False
    omitted_kind: str = "file"
    mine: bool = False
    anchor: bool = False

    @property
    def short_time(self) -> str:
        return self.time[:5]


@dataclass
class Day:
    date: str
    label: str
    bubbles: list[Bubble] = field(default_factory=list)


def _caption(text: str, names: Sequence[str]) -> str:
    """The message without its attachment markers (the attachments are shown on their own)."""
    for name in names:
        text = text.replace(f"<attached: {name}>", "")
        text = "\n".join(
            line
            for line in text.split("\n")
            if line.strip().lstrip("\u200e") != f"{name} (file attached)"
        )
    return text.strip()


def _omitted(caption: str) -> str | None:
    """The kind of media a "… omitted" line stands for (None: not such a line)."""
    text = caption.strip().lstrip("\u200e").strip()
    if text == "<Media omitted>":
        return "file"
    return _OMITTED_KINDS.get(text)


def bubble(
    row: Row,
    *,
    words: Sequence[str] = (),
    photo_urls: dict[str, PhotoLink] | None = None,
    hues: dict[str, int] | None = None,
    me: str | None = None,
    anchor: str | None = None,
) -> Bubble:
    text = str(row.get("message") or "")
    names = attachment_names(text) if row.get("has_media") else []
    caption = _caption(text, names) if names else text
    omitted = _omitted(caption) if row.get("has_media") and not names else None
    if omitted:
        caption = ""
    urls = photo_urls or {}
    sender = row.get("sender")
    return Bubble(
        message_id=str(row["message_id"]),
        chat=str(row.get("chat") or ""),
        sender=sender,
        date=str(row.get("date") or ""),
        time=str(row.get("time") or ""),
        html=highlight(caption, words),
        is_system=bool(row.get("is_system")),
        has_media=bool(row.get("has_media")),
        hue=(hues or {}).get(sender or "", sender_hue(sender)),
        attachments=tuple(Attachment(n, media_kind(n), urls.get(n)) for n in names),
        media_omitted=omitted is not None,
        omitted_kind=omitted or "file",
        mine=bool(me) and sender == me,
        anchor=anchor is not None and str(row["message_id"]) == anchor,
    )


def by_day(bubbles: Iterable[Bubble]) -> list[Day]:
    """Consecutive bubbles of one date under one heading, in the order given."""
    days: list[Day] = []
    for b in bubbles:
        if not days or days[-1].date != b.date:
            days.append(Day(b.date, day_label(b.date)))
        days[-1].bubbles.append(b)
    return days


def attachment_names_of(rows: Iterable[Row]) -> set[str]:
    names: set[str] = set()
    for row in rows:
        if row.get("has_media"):
            names.update(attachment_names(str(row.get("message") or "")))
    return names


THUMBNAIL_WIDTH = 220


def photo_urls(user: Any, rows: Iterable[Row], chat: str | None = None) -> dict[str, PhotoLink]:
    """Attachment file name → the owner's gallery photo of that name, in one query.

    A photo unpacked from the same export zip as the chat (`chat`) wins over another photo
    of the same name (WhatsApp reuses IMG-…-WA0001.jpg in every chat); then the newest.
    """
    from django.db.models import Exists, OuterRef

    from chats.models import ChatExport
    from gallery.models import Photo
    from gallery.presenters import thumbnail_url

    names = attachment_names_of(rows)
    if not names:
        return {}
    same_export = ChatExport.objects.filter(
        owner_id=user.pk, chat_name=chat or "", source__source_id=OuterRef("source__source_id")
    )
    photos = (
        Photo.objects.owned_by(user)
        .filter(source__original_name__in=names)
        .select_related("source")
        .annotate(same_export=Exists(same_export))
        .order_by("source__original_name", "-same_export", "-id")
    )
    links: dict[str, PhotoLink] = {}
    for photo in photos:
        name = photo.source.original_name
        if name in links:
            continue
        thumb = thumbnail_url(photo) if photo.thumbnail_key else None
        height = round(THUMBNAIL_WIDTH / photo.aspect)
        links[name] = PhotoLink(
            reverse("gallery:photo", args=[photo.pk]), thumb, THUMBNAIL_WIDTH, height
        )
    return links


def stat_number(value: Any) -> str:
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return "0"
