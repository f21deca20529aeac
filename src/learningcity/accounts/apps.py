from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "learningcity.accounts"
    verbose_name = "Accounts"
