from django.urls import path

from . import views

app_name = "frameworks"
urlpatterns = [
    path("", views.version_list, name="list"),
    path("upload/", views.version_upload, name="upload"),
    path("<int:pk>/", views.version_detail, name="detail"),
]
