from django.urls import path

from leaderboard import views

app_name = "leaderboard"

urlpatterns = [
    path("a/<slug:slug>/leaderboard/", views.leaderboard, name="leaderboard"),
]
