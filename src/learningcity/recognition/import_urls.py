"""The officer's import pages, mounted at /officer/imports/."""

from django.urls import path

from . import import_views as views

app_name = "imports"
urlpatterns = [
    path("", views.import_list, name="index"),
    path("new/", views.import_new, name="new"),
    path("sample/<int:version_id>.xlsx", views.import_sample, name="sample"),
    path("<uuid:pk>/", views.import_job, name="job"),
    path("<uuid:pk>/status.json", views.import_status, name="status"),
    path("<uuid:pk>/errors.xlsx", views.import_errors, name="errors"),
    path("<uuid:pk>/commit/", views.import_commit, name="commit"),
    path("<uuid:pk>/cancel/", views.import_cancel, name="cancel"),
]
