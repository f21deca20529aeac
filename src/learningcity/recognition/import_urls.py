"""URLs of the officer's import pages."""

from django.urls import path  # noqa: F401 - the views are added with the pages

app_name = "imports"
urlpatterns: list = []
