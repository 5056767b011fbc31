from django.urls import path

from studies import views

app_name = "studies"

urlpatterns = [
    path("s/media/<int:candidate_id>", views.candidate_media, name="media"),
]
