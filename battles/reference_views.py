"""The reference-image upload for arenas whose modality accepts one (multipart, CSRF, consent).

Thin: the rules (size, decoding, re-encoding, the signed token) live in
battles/reference_images.py; the token comes back as JSON for the page's next `start` message.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_POST

from annotators.client_ip import client_ip_from_request
from annotators.limits import rate_limited
from battles.errors import ArenaError
from battles.modalities import modality_spec
from battles.models import Arena
from battles.reference_images import MAX_UPLOAD_BYTES, reference_image_store
from battles.services.battle_flow import annotator_require_consent


def _upload_read(request: HttpRequest) -> bytes:
    upload = request.FILES.get("image")
    if upload is None:
        raise ArenaError("Send the image as the multipart field 'image'.", code="image_missing")
    if upload.size is None or upload.size > MAX_UPLOAD_BYTES:
        raise ArenaError(f"Images are limited to {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.",
                         code="image_too_large", status=413)
    return upload.read(MAX_UPLOAD_BYTES + 1)


@require_POST
def arena_reference_image(request: HttpRequest, slug: str) -> JsonResponse:
    try:
        arena = Arena.objects.filter(slug=slug, is_active=True).first()
        if arena is None:
            raise ArenaError("No such arena.", code="arena_unknown", status=404)
        if not modality_spec(arena.modality).accepts_image:
            raise ArenaError("This arena does not take a reference image.",
                             code="image_unsupported")
        annotator = annotator_require_consent(request.annotator)  # type: ignore[attr-defined]
        with rate_limited(action="upload", annotator_id=annotator.id,
                          ip=client_ip_from_request(request)):
            token = reference_image_store(data=_upload_read(request), arena_slug=arena.slug,
                                          annotator_id=annotator.id)
    except ArenaError as error:
        response = JsonResponse({"code": error.code, "message": error.message},
                                status=error.status)
        retry = getattr(error, "retry_after_s", None)
        if retry:
            response["Retry-After"] = str(retry)
        return response
    return JsonResponse({"image": token})
