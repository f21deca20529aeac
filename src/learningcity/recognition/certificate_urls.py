from django.urls import path

from . import certificate_views as views

app_name = "certificates"
urlpatterns = [
    path("verify/", views.certificate_verify, name="verify"),
    path("verify/<str:code>/", views.certificate_check, name="check"),
    path("<str:code>.pdf", views.certificate_pdf_view, name="pdf"),
]
