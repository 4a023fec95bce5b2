from django.urls import path

from ingestion import dataset_views

app_name = "datasets"

urlpatterns = [
    path("datasets/", dataset_views.index, name="index"),
    path("datasets/<int:dataset_id>/", dataset_views.detail, name="detail"),
    path("datasets/<int:dataset_id>/summary.json", dataset_views.summary, name="summary"),
]
