"""Run the photo task's function again, here, over photos chosen by id, owner or all of them.

Streams the ledger in batches by primary key (like immich's "queue all"): without ``--force``
only objects that are waiting, failed, or processing under a lease that is over (expired, or its
worker died) are run; with it every chosen one is, its outputs overwritten in place.
``--metadata`` only reads the kept originals' metadata again (dates, camera, exposure,
location): quick, and no image is remade.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q, QuerySet

from gallery.models import Photo
from gallery.pipeline import refresh_metadata, reprocess
from ingestion.batch import Progress
from ingestion.models import RUNNABLE_STATUSES, StoredObject
from ingestion.routing import Kind


class Command(BaseCommand):
    help = "Reprocess photos with the same function the gallery.process_photo task runs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--id",
            dest="ids",
            type=int,
            nargs="+",
            action="extend",
            default=[],
            metavar="N",
            help="photo ids",
        )
        parser.add_argument("--owner", help="user name or id: that user's photos")
        parser.add_argument("--all", action="store_true", help="every photo upload")
        parser.add_argument(
            "--force", action="store_true", help="also run finished and rejected ones"
        )
        parser.add_argument(
            "--metadata",
            action="store_true",
            help="only read the metadata of finished photos again (no images remade)",
        )
        parser.add_argument("--batch-size", type=int, default=200)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["metadata"]:
            self.refresh_metadata(options)
            return
        objects = self.chosen(options)
        if not options["force"]:
            objects = objects.filter(status__in=RUNNABLE_STATUSES)
        total = objects.count()
        progress = Progress(self.stdout, total, "photos")
        last = 0
        while True:
            batch = list(objects.filter(pk__gt=last).order_by("pk")[: options["batch_size"]])
            if not batch:
                break
            for obj in batch:
                progress.update(reprocess(obj, force=options["force"]))
            last = batch[-1].pk
        progress.finish()
        self.stdout.write(f"Reprocessed {total} photo upload(s): {progress.summary() or 'none'}")

    def refresh_metadata(self, options: dict[str, Any]) -> None:
        photos = Photo.objects.filter(source__in=self.chosen(options)).exclude(thumbnail_key="")
        progress = Progress(self.stdout, photos.count(), "photos")
        last = 0
        while batch := list(
            photos.filter(pk__gt=last)
            .select_related("source")
            .order_by("pk")[: options["batch_size"]]
        ):
            for photo in batch:
                outcome = refresh_metadata(photo)
                progress.update(outcome if outcome == "refreshed" else "failed")
                if outcome != "refreshed":
                    self.stderr.write(f"photo {photo.pk} ({photo.name}): {outcome}")
            last = batch[-1].pk
        progress.finish()
        self.stdout.write(
            f"Read the metadata of {progress.total} photo(s) again: {progress.summary() or 'none'}"
        )

    def chosen(self, options: dict[str, Any]) -> QuerySet[StoredObject]:
        objects = StoredObject.objects.filter(kind=Kind.PHOTO).exclude(owner=None)
        if not (options["ids"] or options["owner"] or options["all"]):
            raise CommandError("Choose photos with --id N …, --owner USER or --all.")
        if options["ids"]:
            objects = objects.filter(photo__id__in=options["ids"])
        if options["owner"]:
            name = options["owner"]
            users = get_user_model().objects.filter(
                Q(username=name) | Q(pk=int(name) if name.isdigit() else None)
            )
            user = users.first()
            if user is None:
                raise CommandError(f"No user {name!r}.")
            objects = objects.filter(owner=user)
        return objects
