"""The error for a table that cannot become requests (or be joined back): it names the row and column.

Defined beside the job layer's other errors (see ``openai_batch._workflow_errors``), so the
command line can tell it apart without loading the tables package.
"""

from __future__ import annotations

from .._workflow_errors import TableInputError

__all__ = ["TableInputError"]
