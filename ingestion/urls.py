from django.urls import path

from ingestion import upload_views, views

urlpatterns = [
    path("upload/", upload_views.upload_page, name="upload"),
    path("library/", views.library, name="library"),
    path("library/bulk", views.bulk_action, name="library-bulk"),
    path("library/<int:object_id>/download", views.download, name="download"),
    path("library/<int:object_id>/delete", views.delete, name="delete"),
    path("library/<int:object_id>/restore", views.restore, name="restore"),
    path("files/<str:token>", views.signed_file, name="signed-file"),
    path("api/uploads", upload_views.api_upload, name="api-upload"),
    path("api/uploads/<int:object_id>", upload_views.api_upload_status, name="api-upload-status"),
    path("api/objects", upload_views.api_objects, name="api-objects"),
]
