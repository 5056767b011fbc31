from django.urls import path

from battles import media_views, music_views, reference_views, views

app_name = "battles"

urlpatterns = [
    path("", views.home, name="home"),
    path("a/<slug:slug>/", views.arena, name="arena"),
    path("a/<slug:slug>/side-by-side/", views.side_by_side, name="side_by_side"),
    path("a/<slug:slug>/reference-image", reference_views.arena_reference_image,
         name="reference_image"),
    path("m/<uuid:asset_id>", media_views.media_serve, name="media"),
    path("b/<uuid:battle_id>/listen", music_views.battle_listen, name="listen"),
    path("b/<uuid:battle_id>/feedback", music_views.battle_feedback, name="feedback"),
]
