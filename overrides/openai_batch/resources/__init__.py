"""The resource namespaces of the clients: ``client.batches`` and ``client.files``."""

from .batches import AsyncBatches, Batches
from .files import AsyncFiles, Files

__all__ = ["AsyncBatches", "AsyncFiles", "Batches", "Files"]
