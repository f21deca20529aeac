from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "learningcity.analytics"
    verbose_name = "Analytics"
