from django.apps import AppConfig


class RecognitionConfig(AppConfig):
    name = "learningcity.recognition"
    verbose_name = "Recognition"
