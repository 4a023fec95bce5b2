"""What one row of the library shows of a file: where its name leads (what was made of it), its
thumbnail or type icon, its kind, and its copies when it was uploaded more than once."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.templatetags.static import static
from django.urls import reverse

from gallery.presenters import thumbnail_url
from ingestion.filetypes import FileType, file_type
from ingestion.models import StoredObject

TIMES = {2: "twice", 3: "three times"}


@dataclass(frozen=True)
class Target:
    url: str
    label: str  # what the link opens, for its title and the row menu ("Open photo")


@dataclass(frozen=True)
class Row:
    obj: StoredObject
    type: FileType
    icon: str  # the static URL of the type icon
    target: Target | None = None
    thumbnail: str = ""  # a signed URL of the photo's thumbnail
    copies: list[StoredObject] = field(default_factory=list)  # oldest first, when 2 or more
    unpacked: bool = False  # a zip whose files were unpacked (its link shows them)

    @property
    def ids(self) -> str:
        """What the row's checkbox selects: every copy of the file."""
        return ",".join(str(copy.pk) for copy in self.copies or [self.obj])

    @property
    def uploaded_times(self) -> str:
        return f"uploaded {TIMES.get(len(self.copies), f'{len(self.copies)} times')}"


def made_of(obj: StoredObject, unpacked: bool = False) -> Target | None:
    """The page of what processing made of ``obj`` (``unpacked``: files were unpacked from
    it), if anything yet."""
    photo = getattr(obj, "photo", None)
    if photo is not None and photo.thumbnail_key:
        return Target(reverse("gallery:photo", args=[photo.pk]), "Open photo")
    export = getattr(obj, "chat_export", None)
    if export is not None:
        query = urlencode({"chat": export.chat_name})
        return Target(f"{reverse('chats:conversation')}?{query}", "Open conversation")
    dataset = getattr(obj, "dataset", None)
    if dataset is not None:
        return Target(reverse("datasets:detail", args=[dataset.pk]), "Open dataset")
    if unpacked:
        files = f"{reverse('library')}?{urlencode({'source': obj.pk})}"
        return Target(files, "Show unpacked files")
    return None


def row(
    obj: StoredObject, copies: list[StoredObject] | None = None, *, unpacked: bool = False
) -> Row:
    """``obj`` as listed; a file uploaded twice leads to whatever any of its copies became."""
    kind = file_type(obj.kind, obj.original_name, obj.content_type)
    copies = copies or []
    targets = (made_of(o, unpacked and o is obj) for o in [obj, *copies])
    target = next((t for t in targets if t is not None), None)
    photo = next(
        (p for o in [obj, *copies] if (p := getattr(o, "photo", None)) and p.thumbnail_key), None
    )
    return Row(
        obj=obj,
        type=kind,
        icon=static(f"ingestion/icons/{kind.icon}.svg"),
        target=target,
        thumbnail=thumbnail_url(photo) if photo is not None else "",
        copies=copies,
        unpacked=unpacked,
    )
