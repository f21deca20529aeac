from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "learningcity.api"
    verbose_name = "API"
