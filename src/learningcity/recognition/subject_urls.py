"""Subject pages, mounted at /officer/subjects/: households, clans, organisations, communities, duplicate
people, population figures, campaign rollover."""

from django.urls import path

from . import subject_views as views

app_name = "subjects"
urlpatterns = [
    path("households/", views.households, name="households"),
    path("households/new/", views.household_create, name="household_create"),
    path("households/<int:pk>/", views.household, name="household"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("households/<int:pk>/members/add/", views.household_member_add, name="household_member_add"),
    path("households/<int:pk>/members/new/", views.household_member_enrol, name="household_member_enrol"),
    path(
        "households/<int:pk>/members/<int:person_pk>/remove/",
        views.household_member_remove,
        name="household_member_remove",
    ),
    path("households/<int:pk>/start/", views.household_start, name="household_start"),
    path("clans/", views.clans, name="clans"),
    path("clans/new/", views.clan_create, name="clan_create"),
    path("clans/<int:pk>/", views.clan, name="clan"),
    path("clans/<int:pk>/edit/", views.clan_edit, name="clan_edit"),
    path("clans/<int:pk>/households/add/", views.clan_household_add, name="clan_household_add"),
    path(
        "clans/<int:pk>/households/<int:household_pk>/remove/",
        views.clan_household_remove,
        name="clan_household_remove",
    ),
    path("clans/<int:pk>/start/", views.clan_start, name="clan_start"),
    path("organisations/", views.organisations, name="organisations"),
    path("organisations/new/", views.organisation_create, name="organisation_create"),
    path("organisations/<int:pk>/", views.organisation, name="organisation"),
    path("organisations/<int:pk>/edit/", views.organisation_edit, name="organisation_edit"),
    path(
        "organisations/<int:pk>/members/add/", views.organisation_member_add, name="organisation_member_add"
    ),
    path(
        "organisations/<int:pk>/members/<int:person_pk>/remove/",
        views.organisation_member_remove,
        name="organisation_member_remove",
    ),
    path("organisations/<int:pk>/start/", views.organisation_start, name="organisation_start"),
    path("communities/", views.communities, name="communities"),
    path("communities/<int:pk>/", views.community, name="community"),
    path("communities/<int:pk>/start/", views.community_start, name="community_start"),
    path("duplicates/", views.duplicate_people, name="duplicates"),
    path("population/", views.population_units, name="population"),
    path("population/import/", views.population_import, name="population_import"),
    path("population/<int:pk>/", views.population_unit, name="population_unit"),
    path("campaigns/<int:pk>/rollover/", views.campaign_rollover, name="campaign_rollover"),
]
