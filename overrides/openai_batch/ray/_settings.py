"""Where workers send their calls, and where they find the key: never in the settings themselves.

The settings travel to every Ray task inside the datasink and the datasource (pickled into
the task's arguments), so they hold only the base URL, organization and project, and the
*name* of the environment variable with the key. Each worker reads the key from its own
environment when it makes its client. Set that variable in the environment of the nodes
(``OPENAI_API_KEY=... ray start ...``, or a Kubernetes secret on the Ray pods): Ray's
``runtime_env={"env_vars": ...}`` is shown on the dashboard and written to its logs, so it is
no place for a key (see https://github.com/ray-project/ray/issues/28276).
"""

from __future__ import annotations

import os
from typing import Any

import attrs

from .._client import BatchClient
from ..workflow._identity import client_origin

__all__ = ["ClientSettings"]


@attrs.frozen
class ClientSettings:
    """How a worker makes its :class:`~openai_batch.BatchClient`: everything but the key, which it reads itself.

    Example::

        settings = ClientSettings(base_url="https://api.openai.com/v1", api_key_env="OPENAI_API_KEY")
        with settings.client() as client:   # on a worker: the key comes from its environment
            client.batches.list(limit=1)
    """

    base_url: str | None = None
    organization: str | None = None
    project: str | None = None
    api_key_env: str = "OPENAI_API_KEY"

    def client(self) -> BatchClient:
        """A client whose key is this process's ``api_key_env`` variable; a clear error when it is not set."""
        if not os.environ.get(self.api_key_env):
            raise RuntimeError(
                f"no API key on this Ray worker: set {self.api_key_env} in the environment of the Ray nodes "
                "(not in runtime_env, which the dashboard shows)"
            )
        # The key goes straight from the environment into the client (wrapped there as a Secret):
        # no local variable of this frame holds it.
        return BatchClient(
            os.environ[self.api_key_env],
            base_url=self.base_url or os.environ.get("OPENAI_BASE_URL") or None,
            organization=self.organization,
            project=self.project,
        )

    def origin(self) -> dict[str, str | None]:
        """The API origin a job's id is derived from, as :func:`client_origin` gives it for a client."""
        with self.client() as client:
            return client_origin(client)

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ClientSettings:
        return cls(
            base_url=data.get("base_url"),
            organization=data.get("organization"),
            project=data.get("project"),
            api_key_env=data.get("api_key_env") or "OPENAI_API_KEY",
        )

    @classmethod
    def from_client(cls, client: object, api_key_env: str = "OPENAI_API_KEY") -> ClientSettings:
        """The settings of an existing client (its key is not taken: workers read theirs from ``api_key_env``)."""
        origin = client_origin(client)
        return cls(origin["base_url"], origin["organization"], origin["project"], api_key_env)
