from django.contrib import admin
from django.urls import include, path

from arena.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("moderation/", include("moderation.urls")),
    path("", include("annotators.urls")),
    path("", include("leaderboard.urls")),
    path("", include("battles.urls")),
    path("", include("releases.urls")),
    path("", include("studies.urls")),
]
