"""The dashboard (officers) and the public figures pages."""

from django.urls import path

from . import views

app_name = "analytics"
urlpatterns = [
    path("officer/dashboard/", views.dashboard, name="dashboard"),
    path("figures/city/<slug:slug>/", views.public_city, name="public_city"),
    path("figures/unit/<int:pk>/", views.public_unit, name="public_unit"),
]
