"""A Microsoft Entra ID token provider from azure-identity's ``DefaultAzureCredential`` (``azure`` extra).

Azure OpenAI takes a bearer token for the scope ``https://cognitiveservices.azure.com/.default``
instead of an api-key (https://learn.microsoft.com/azure/ai-foundry/openai/how-to/managed-identity).
``get_bearer_token_provider`` caches the token and refreshes it before it expires; the client
calls the provider on every request.
"""

from __future__ import annotations

from collections.abc import Callable

from .._exceptions import ConfigurationError

__all__ = ["default_azure_token_provider"]

_SCOPE = "https://cognitiveservices.azure.com/.default"


def default_azure_token_provider(scope: str = _SCOPE) -> Callable[[], str]:
    """A token provider backed by ``DefaultAzureCredential`` (environment, managed identity, az login...).

    Example::

        client = BatchClient(provider="azure", azure_ad_token_provider=default_azure_token_provider())
    """
    try:
        from azure.identity import DefaultAzureCredential, get_bearer_token_provider
    except ImportError:
        raise ConfigurationError(
            "Microsoft Entra ID sign-in needs the `azure` extra: pip install 'openai-batch-client[azure]'"
        ) from None
    provider: Callable[[], str] = get_bearer_token_provider(DefaultAzureCredential(), scope)
    return provider
