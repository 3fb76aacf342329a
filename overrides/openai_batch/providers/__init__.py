"""Provider profiles: the services that speak the Files + Batches API, described as data.

>>> from openai_batch.providers import get_profile
>>> get_profile("azure").auth.header
'api-key'
"""

from ._budget import BudgetLedger, StatedQueueBudget
from ._edge import AsyncEdgeTransport, EdgeRules, EdgeTransport
from ._entra import default_azure_token_provider
from ._normalise import RULES, normalise_body
from ._profile import (
    DEFAULT_PROVIDER,
    AuthScheme,
    FileLimits,
    PathStyle,
    ProviderProfile,
    QueueBudgetHeaders,
    get_profile,
    load_profiles,
    shipped_profiles,
)
from ._route import Route, is_dated_version, resolve_route

__all__ = [
    "DEFAULT_PROVIDER",
    "RULES",
    "AsyncEdgeTransport",
    "AuthScheme",
    "BudgetLedger",
    "EdgeRules",
    "EdgeTransport",
    "FileLimits",
    "PathStyle",
    "ProviderProfile",
    "QueueBudgetHeaders",
    "Route",
    "StatedQueueBudget",
    "default_azure_token_provider",
    "get_profile",
    "is_dated_version",
    "load_profiles",
    "normalise_body",
    "resolve_route",
    "shipped_profiles",
]
