"""The base of the job layer's errors, and the wait's timeout, below the resources.

``client.batches.wait`` raises :class:`BatchWaitTimeout`, so it lives here rather than in
``openai_batch.workflow``: the layers below the job layer never import it.
"""

from __future__ import annotations

from ._exceptions import OpenAIBatchError

__all__ = ["BatchWaitTimeout", "WorkflowError"]


class WorkflowError(OpenAIBatchError):
    """Base of the errors the batch workflow raises itself."""


class BatchWaitTimeout(WorkflowError, TimeoutError):
    """Waiting for a batch (or a job's batches) passed its deadline; the batches go on running.

    Example::

        try:
            client.batches.wait("batch_abc", timeout=3600)
        except BatchWaitTimeout as exc:
            print(exc.batch_ids, exc.status)
    """

    def __init__(self, batch_ids: list[str], status: str, waited: float) -> None:
        self.batch_ids = batch_ids
        self.status = status
        self.waited = waited
        names = ", ".join(batch_ids) if batch_ids else "(no batch yet)"
        super().__init__(f"gave up waiting for batch {names} after {waited:.0f}s; last status: {status}")

    def __reduce__(self) -> tuple[object, ...]:
        # Rebuilt from its own fields, so it crosses process boundaries intact.
        return (type(self), (self.batch_ids, self.status, self.waited))
