"""Recognition decisions, revocations and appeals, mounted at /officer/decisions/."""

from django.urls import path

from . import decision_views as views

app_name = "decisions"
urlpatterns = [
    path("", views.decision_list, name="list"),
    path("new/", views.decision_create, name="create"),
    path("<int:pk>/", views.decision_detail, name="detail"),
    path("<int:pk>/decision.pdf", views.decision_pdf_view, name="pdf"),
    path("<int:pk>/certificates.pdf", views.decision_certificates_pdf, name="certificates_pdf"),
    path("assessments/<int:pk>/revoke/", views.revoke, name="revoke"),
    path("assessments/<int:pk>/appeal/", views.appeal, name="appeal"),
    path("assessments/<int:pk>/appeal/decide/", views.appeal_decide, name="appeal_decide"),
]
