from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from learningcity.api.routers import api
from learningcity.recognition import views as recognition_views

urlpatterns = [
    path("", recognition_views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("accounts/", include("learningcity.accounts.urls")),
    path("certificates/", include("learningcity.recognition.certificate_urls")),
    path("cities/", include("learningcity.territory.urls")),
    path("officer/subjects/", include("learningcity.recognition.subject_urls")),
    path("officer/decisions/", include("learningcity.recognition.decision_urls")),
    path("officer/imports/", include("learningcity.recognition.import_urls")),
    path("officer/exports/", include("learningcity.recognition.export_urls")),
    path("", include("learningcity.analytics.urls")),
    path("officer/", include("learningcity.recognition.officer_urls")),
    path("frameworks/", include("learningcity.frameworks.urls")),
    path("", include("learningcity.recognition.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
