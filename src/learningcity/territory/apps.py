from django.apps import AppConfig


class TerritoryConfig(AppConfig):
    name = "learningcity.territory"
    verbose_name = "Territory"
