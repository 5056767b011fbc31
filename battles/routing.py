from django.urls import path

from battles.consumers import BattleConsumer

websocket_urlpatterns = [path("ws/battle/", BattleConsumer.as_asgi())]
