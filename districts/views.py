"""Views of the districts app: the home page of each role."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from products.models import Round


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    rounds = list(Round.objects.visible_to(request.user).select_related("fiscal_year")[:10])
    return render(request, "districts/home.html", {"rounds": rounds, "current_round": rounds[0] if rounds else None})
