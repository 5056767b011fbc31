"""From a Contender row to the provider layer's settings.

The API key is read from the environment variable the admin named, at call time, so keys live
only in the deployment's environment and never in the database.
"""

from __future__ import annotations

import os

from battles.models import Contender
from battles.providers import ProviderSettings, TextProvider, text_provider_for


def provider_settings_for(contender: Contender) -> ProviderSettings:
    api_key = os.environ.get(contender.api_key_env) if contender.api_key_env else None
    params = dict(contender.params or {})
    timeouts = {
        name: float(params.pop(name))
        for name in ("connect_timeout", "read_timeout", "total_timeout")
        if name in params
    }
    return ProviderSettings(
        kind=contender.provider_kind,
        endpoint=contender.endpoint,
        model_id=contender.model_id,
        api_key=api_key,
        params=params,
        system_prompt=contender.system_prompt,
        **timeouts,
    )


def text_provider_for_contender(contender: Contender) -> TextProvider:
    return text_provider_for(provider_settings_for(contender))
