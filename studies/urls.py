from django.urls import path

from studies import views

app_name = "studies"

urlpatterns = [
    path("s/<slug:slug>/", views.study_page, name="study"),
    path("s/<slug:slug>/results", views.study_results, name="results"),
    path("s/<slug:slug>/upload", views.study_upload, name="upload"),
    path("s/media/<int:candidate_id>", views.candidate_media, name="media"),
]
