from django.apps import AppConfig


class FrameworksConfig(AppConfig):
    name = "learningcity.frameworks"
    verbose_name = "Frameworks"
