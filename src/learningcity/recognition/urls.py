from django.urls import path

from . import views

app_name = "recognition"
urlpatterns = [
    path("assessments/start", views.assessment_start, name="assessment-start"),
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment"),
    path("assessments/<int:pk>/preview", views.assessment_preview, name="assessment-preview"),
    path("assessments/<int:pk>/evidence", views.evidence_upload, name="evidence-upload"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence"),
    path("evidence/<int:pk>/remove", views.evidence_remove, name="evidence-remove"),
]
