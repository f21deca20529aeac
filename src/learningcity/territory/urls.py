from django.urls import path

from . import views

app_name = "territory"
urlpatterns = [
    path("", views.learning_city_list, name="cities"),
    path("<slug:slug>/", views.learning_city_detail, name="city"),
]
