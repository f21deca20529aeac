"""Officer pages, mounted at /officer/: hamlet heads, commune officers, province coordinators."""

from django.urls import path

from . import officer_views as views

app_name = "officer"
urlpatterns = [
    path("queue/", views.queue, name="queue"),
    path("assessments/<int:pk>/", views.review, name="review"),
    path("assessments/<int:pk>/certify/", views.certify, name="certify"),
    path("people/", views.people, name="people"),
    path("people/new/", views.enrol, name="enrol"),
    path("people/<int:pk>/", views.person, name="person"),
    path("people/<int:pk>/start/", views.start, name="start"),
    path("hamlets/", views.hamlets, name="hamlets"),
    path("hamlets/<int:pk>/flag/", views.hamlet_flag, name="hamlet_flag"),
    path("campaigns/", views.campaigns, name="campaigns"),
    path("campaigns/new/", views.campaign_create, name="campaign_create"),
]
