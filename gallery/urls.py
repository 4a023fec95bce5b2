from django.urls import path

from gallery import bulk_views, views

app_name = "gallery"

urlpatterns = [
    path("photos/", views.index, name="index"),
    path("photos/problems/dismiss", views.dismiss_problems, name="dismiss-problems"),
    path("photos/bulk", bulk_views.bulk_action, name="bulk"),
    path("photos/<int:photo_id>/", views.photo_detail, name="photo"),
    path("photos/<int:photo_id>/tags", views.photo_tags, name="tags"),
    path("api/photos", views.api_photos, name="api-photos"),
    path("api/photos/pending", views.api_pending, name="api-pending"),
    path("api/photos/<int:photo_id>", views.api_photo, name="api-photo"),
]
