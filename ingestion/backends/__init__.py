"""The storage backends behind ``ingestion.storage``: files on disk (the embedded default) and
an S3 bucket. Chosen once in ``STORAGES["default"]``; both offer the same verbs beyond Django's
(ETag, storage classes, restore, listing, signed URLs, multipart uploads), so no caller asks
which mode it runs in.
"""
