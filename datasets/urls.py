from django.urls import path

from datasets import views

app_name = "datasets"

urlpatterns = [
    path("datasets/", views.index, name="index"),
    path("datasets/<int:dataset_id>/", views.detail, name="detail"),
    path("datasets/<int:dataset_id>/summary.json", views.summary, name="summary"),
]
