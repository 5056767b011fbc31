from django.urls import path

from releases import views

app_name = "releases"

urlpatterns = [
    path("releases/", views.release_list, name="list"),
    path("releases/<int:release_id>/archive", views.release_archive_download, name="archive"),
    path("releases/<int:release_id>/files/<path:name>", views.release_download, name="download"),
]
