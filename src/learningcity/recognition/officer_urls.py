app_name = "officer"
urlpatterns: list = []
