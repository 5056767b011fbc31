"""Django's ASGI handler with the whole middleware chain and view run in one worker-thread trip.

Every view and middleware of this project is synchronous. Django's own ASGI handler still
builds an asynchronous chain: it enters a worker thread for the outer middleware, comes back to
the event loop at the first middleware that is sync-only (`async_to_sync` around the async
inner handler), then goes out again to run the view (`sync_to_async`). Each crossing is a
future, a loop wake-up and a GIL hand-off; under load they cost more CPU than a vote's SQL.

Here the chain is built in sync mode, as the WSGI handler builds it, and called once through
`sync_to_async` (thread-sensitive, so the database connection stays on its one thread, as with
Django's handler). Request parsing, the body limit, disconnect handling and sending the response
stay Django's.
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.http import HttpRequest, HttpResponseBase


class SyncChainASGIHandler(ASGIHandler):
    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        # BaseHandler.get_response: URLconf, middleware, view, resource closers, error logging.
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)
