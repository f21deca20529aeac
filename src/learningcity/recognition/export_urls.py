"""URLs of the officer's export pages."""

from django.urls import path  # noqa: F401 - the views are added with the pages

app_name = "exports"
urlpatterns: list = []
