from __future__ import annotations

import json
from collections import Counter
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString

from gallery import pipeline, presenters
from gallery.models import Photo, PhotoTag


class TagFilter(admin.SimpleListFilter):
    title = "tag"
    parameter_name = "tag"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        names = PhotoTag.objects.order_by("name").values_list("name", flat=True).distinct()
        return [(name, name) for name in names]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(tags__name=self.value()) if self.value() else queryset


class YearFilter(admin.SimpleListFilter):
    title = "year taken"
    parameter_name = "year"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        years = (
            Photo.objects.exclude(taken_year=None)
            .order_by("-taken_year")
            .values_list("taken_year", flat=True)
            .distinct()
        )
        return [(str(year), str(year)) for year in years]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(taken_year=int(value))
        return queryset


class HasLocationFilter(admin.SimpleListFilter):
    title = "location"
    parameter_name = "located"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Has location"), ("no", "No location")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.filter(latitude__isnull=False, longitude__isnull=False)
        if self.value() == "no":
            return queryset.filter(latitude__isnull=True)
        return queryset


class PhotoTagInline(admin.TabularInline[PhotoTag, Photo]):
    model = PhotoTag
    extra = 0


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin[Photo]):
    class Media:
        css = {"all": ("css/admin.css",)}  # the thumbnails' and EXIF's classes

    list_display = ("thumbnail", "name", "owner", "taken_at", "camera", "dimensions", "status")
    list_display_links = ("thumbnail", "name")
    list_select_related = ("source", "owner")
    list_filter = (
        TagFilter,
        "camera_make",
        YearFilter,
        HasLocationFilter,
        ("owner", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("source__original_name", "camera_make", "camera_model", "camera")
    date_hierarchy = "taken_at"
    inlines = (PhotoTagInline,)
    actions = ("reprocess", "regenerate_thumbnails")
    fields = (
        "preview",
        "source",
        "owner",
        "taken_at",
        "taken_at_source",
        "uploaded_at",
        ("camera_make", "camera_model", "camera"),
        ("width", "height", "orientation", "format", "size"),
        ("latitude", "longitude", "flash"),
        "content_hash",
        ("original_key", "thumbnail_key", "preview_key"),
        "exif_data",
        ("created_at", "updated_at"),
    )
    readonly_fields = (
        "preview",
        "source",
        "owner",
        "taken_at_source",
        "uploaded_at",
        "camera_make",
        "camera_model",
        "camera",
        "width",
        "height",
        "orientation",
        "format",
        "size",
        "latitude",
        "longitude",
        "flash",
        "content_hash",
        "original_key",
        "thumbnail_key",
        "preview_key",
        "exif_data",
        "created_at",
        "updated_at",
    )

    @admin.display(description="")
    def thumbnail(self, photo: Photo) -> SafeString | str:
        if not photo.thumbnail_key:
            return "—"
        return format_html(
            '<img src="{}" alt="" class="admin-thumb">',
            presenters.thumbnail_url(photo),
        )

    @admin.display(description="Photo")
    def preview(self, photo: Photo) -> SafeString | str:
        if not photo.thumbnail_key:
            return "not processed yet"
        return format_html(
            '<img src="{}" alt="" class="admin-preview">',
            presenters.thumbnail_url(photo),
        )

    @admin.display(description="File name", ordering="source__original_name")
    def name(self, photo: Photo) -> str:
        return photo.source.original_name

    @admin.display(description="Size")
    def dimensions(self, photo: Photo) -> str:
        return f"{photo.width}×{photo.height}"

    @admin.display(description="Status", ordering="source__status")
    def status(self, photo: Photo) -> str:
        reason = f": {photo.source.reason}" if photo.source.reason else ""
        return f"{photo.source.get_status_display()}{reason}"

    @admin.display(description="EXIF")
    def exif_data(self, photo: Photo) -> SafeString:
        return format_html(
            '<pre class="admin-pre">{}</pre>', json.dumps(photo.exif, indent=2, sort_keys=True)
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # photos come from uploads

    @admin.action(description="Reprocess (metadata, tags and images, from the upload)")
    def reprocess(self, request: HttpRequest, queryset: QuerySet[Photo]) -> None:
        outcomes = Counter(
            pipeline.reprocess(photo.source, force=True)
            for photo in queryset.select_related("source")
        )
        self.message_user(request, "Reprocessed: " + _summary(outcomes))

    @admin.action(description="Regenerate thumbnails and previews")
    def regenerate_thumbnails(self, request: HttpRequest, queryset: QuerySet[Photo]) -> None:
        outcomes = Counter(
            pipeline.regenerate_thumbnails(photo) for photo in queryset.select_related("source")
        )
        self.message_user(request, "Thumbnails: " + _summary(outcomes))


def _summary(outcomes: Counter[str]) -> str:
    return ", ".join(f"{outcome} {count}" for outcome, count in sorted(outcomes.items()))
