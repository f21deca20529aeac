"""The officer's export pages, mounted at /officer/exports/ (downloads take `?format=xlsx|csv`)."""

from django.urls import path

from . import export_views as views

app_name = "exports"
urlpatterns = [
    path("", views.export_index, name="index"),
    path("subjects/<str:kind>/", views.export_subjects, name="subjects"),
    path("results/<int:campaign_id>/<int:version_id>/", views.export_results, name="results"),
    path("template/<int:version_id>.xlsx", views.export_template, name="template"),
]
