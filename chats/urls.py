from django.urls import path

from chats import api, conversation, views

app_name = "chats"

urlpatterns = [
    path("chats/", views.index, name="index"),
    path("chats/search", views.search, name="search"),
    path("chats/conversation", conversation.conversation, name="conversation"),
    path("chats/me", conversation.reader, name="reader"),
    path("chats/stats", views.stats, name="stats"),
    path("api/chats", api.messages, name="api-messages"),
]
