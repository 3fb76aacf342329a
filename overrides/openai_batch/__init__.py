"""openai_batch: a client for the OpenAI Batch API.

The hand-written layer over the generated ``openai_batch_api`` package.
"""

__all__: list[str] = []
