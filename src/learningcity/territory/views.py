"""Public pages of the territory: the learning cities and the units they are made of."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from . import selectors
from .models import LearningCity


def learning_city_list(request: HttpRequest) -> HttpResponse:
    return render(request, "territory/learning_city_list.html", {"cities": selectors.learning_cities()})


def learning_city_detail(request: HttpRequest, slug: str) -> HttpResponse:
    city = get_object_or_404(LearningCity, slug=slug)
    return render(
        request,
        "territory/learning_city_detail.html",
        {
            "city": city,
            "joined": selectors.learning_city_units(city, "joined"),
            "today": selectors.learning_city_units(city, "derived"),
        },
    )
