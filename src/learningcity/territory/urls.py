from django.urls import path

from . import views

app_name = "territory"
urlpatterns = [
    path("", views.learning_city_list, name="cities"),
    # Before the city pattern, which would otherwise read "boundaries" as a city's slug.
    path("boundaries/", views.boundaries_upload_view, name="boundaries"),
    path("<slug:slug>/", views.learning_city_detail, name="city"),
]
