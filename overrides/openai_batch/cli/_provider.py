"""The service a command talks to: ``--provider`` (or inferred), ``--provider-file``, ``--api-version``.

With no ``--provider``, a set ``AZURE_OPENAI_ENDPOINT`` means Azure (the variable the Azure
quick starts set); otherwise OpenAI. ``--provider openai`` wins over the variable.
"""

from __future__ import annotations

import argparse
import os
import re
from typing import Any, Final

from ..providers import DEFAULT_PROVIDER, ProviderProfile, get_profile

__all__ = ["check_provider_arguments", "client_options", "provider_of"]

_WINDOW: Final = re.compile(r"^[1-9][0-9]*[hd]$")
_AZURE_ENDPOINT_ENV: Final = "AZURE_OPENAI_ENDPOINT"


def provider_of(args: argparse.Namespace) -> ProviderProfile:
    """The profile the command line names, from ``--provider-file`` too; inferred when not named."""
    name = getattr(args, "provider", None)
    if name is None:
        name = "azure" if os.environ.get(_AZURE_ENDPOINT_ENV, "").strip() else DEFAULT_PROVIDER
    return get_profile(name, path=getattr(args, "provider_file", None))


def client_options(args: argparse.Namespace) -> dict[str, Any]:
    """Keyword arguments for `BatchClient` from the command line's provider flags."""
    profile = getattr(args, "provider_profile", None) or provider_of(args)
    options: dict[str, Any] = {"provider": profile}
    if getattr(args, "api_version", None) is not None:
        options["api_version"] = args.api_version
    if getattr(args, "path_style", None) is not None:
        options["path_style"] = args.path_style
    if getattr(args, "azure_ad", False):
        from ..providers import default_azure_token_provider

        options["azure_ad_token_provider"] = default_azure_token_provider(profile.auth.token_scope or "")
    return options


def check_provider_arguments(args: argparse.Namespace, prog: str = "openai-batch") -> None:
    """Resolve the provider once (kept as ``args.provider_profile``) and refuse, before anything is
    sent, a provider or provider file that does not load, or a flag value the service does not take.
    """
    from .._exceptions import ConfigurationError
    from ._errors import CommandLineError

    flag = "--provider-file" if getattr(args, "provider_file", None) else "--provider"
    try:
        profile = provider_of(args)
    except ConfigurationError as exc:
        raise CommandLineError(prog, f"argument {flag}: {exc}") from None
    args.provider_profile = profile
    window = getattr(args, "completion_window", None)
    if window is not None and window not in profile.completion_windows:
        raise CommandLineError(
            prog,
            f"argument --completion-window: the Batch API offers only {', '.join(profile.completion_windows)} "
            f"on {profile.title}, got {window!r}",
        )


def completion_window_syntax(text: str) -> str:
    """``--completion-window``'s type: a duration such as 24h or 7d (the provider's list is checked after parsing)."""
    if not _WINDOW.match(text):
        raise argparse.ArgumentTypeError(f"wants a window such as 24h or 7d, got {text!r}")
    return text
