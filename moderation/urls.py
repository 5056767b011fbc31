from django.urls import path

from moderation import views

app_name = "moderation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("flags/<int:flag_id>/", views.flag_action, name="flag_action"),
    path("annotators/<uuid:annotator_id>/", views.annotator_detail, name="annotator"),
    path("annotators/<uuid:annotator_id>/action/", views.annotator_action,
         name="annotator_action"),
    path("audit/", views.audit, name="audit"),
]
