from django.urls import path

from chats import api, views

app_name = "chats"

urlpatterns = [
    path("chats/", views.index, name="index"),
    path("chats/search", views.search, name="search"),
    path("chats/conversation", views.conversation, name="conversation"),
    path("chats/stats", views.stats, name="stats"),
    path("api/chats", api.messages, name="api-messages"),
]
