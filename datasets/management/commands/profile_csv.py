"""Profile CSV datasets again with the same function the datasets.profile_dataset task runs.

``--id`` takes dataset ids; ``--all`` takes every CSV upload that has an owner (also those never
profiled). Each run overwrites the dataset's summary JSON and row in place.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet

from datasets.models import Dataset
from datasets.pipeline import reprofile
from ingestion.models import StoredObject
from ingestion.routing import Kind


class Command(BaseCommand):
    help = "Profile CSV datasets again (summary JSON and Dataset row overwritten in place)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--id",
            dest="ids",
            type=int,
            nargs="+",
            action="extend",
            default=[],
            metavar="N",
            help="dataset ids",
        )
        parser.add_argument("--all", action="store_true", help="every CSV upload")
        parser.add_argument("--batch-size", type=int, default=100)

    def handle(self, *args: Any, **options: Any) -> None:
        objects = self.chosen(options)
        total = objects.count()
        outcomes: Counter[str] = Counter()
        done = 0
        last = 0
        while True:
            batch = list(objects.filter(pk__gt=last).order_by("pk")[: options["batch_size"]])
            if not batch:
                break
            for obj in batch:
                outcome = reprofile(obj)
                obj.refresh_from_db()
                outcomes[outcome] += 1
                done += 1
                detail = f": {obj.reason}" if obj.reason else ""
                self.stdout.write(f"[{done}/{total}] {obj.original_name} {outcome}{detail}")
            last = batch[-1].pk
        summary = ", ".join(f"{name} {n}" for name, n in sorted(outcomes.items())) or "none"
        self.stdout.write(f"Profiled {total} CSV file(s): {summary}")

    def chosen(self, options: dict[str, Any]) -> QuerySet[StoredObject]:
        if not (options["ids"] or options["all"]):
            raise CommandError("Choose datasets with --id N … or --all.")
        objects = StoredObject.objects.filter(kind=Kind.CSV).exclude(owner=None)
        if options["ids"]:
            wanted = set(options["ids"])
            found = set(Dataset.objects.filter(pk__in=wanted).values_list("pk", flat=True))
            if wanted - found:
                missing = ", ".join(str(n) for n in sorted(wanted - found))
                raise CommandError(f"No dataset with id {missing}.")
            objects = objects.filter(dataset__id__in=wanted)
        return objects
