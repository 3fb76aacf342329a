"""Tables in, tables out: requests built from a table's rows, results returned as a table.

Needs the ``tables`` extra (``pip install 'openai-batch-client[tables]'``, pyarrow); pandas,
polars and ``datasets`` are used when the table given is one of theirs. Every path streams
bounded Arrow record batches: a million rows in or out stay within a few hundred MB.

Example::

    from pydantic import BaseModel
    from openai_batch import BatchClient, Job
    from openai_batch.tables import RequestTemplate

    class Review(BaseModel):
        label: str

    template = RequestTemplate("Classify this review: {text}", model="gpt-4o-mini", response_format=Review)
    with BatchClient() as client, Job.submit_table(client, "reviews.csv", template, id_column="id") as job:
        job.wait()
        job.results_table(parse=Review).to_pandas()   # the review's columns, label, cost_usd, ...
"""

from ._arrow import INSTALL_HINT, require_pyarrow
from ._columns_file import columns_path
from ._errors import TableInputError
from ._flatten import FieldColumn, flatten_schema
from ._formats import FORMATS, write_batches
from ._ids import GENERATED_PREFIX, IdRule
from ._job_input import inputs_dir, write_job_input
from ._render import RequestTemplate, load_schema_file
from ._results import RESULT_COLUMNS, ResultStream, result_batches, results_table
from ._sources import DEFAULT_BATCH_ROWS, TableStream, open_table
from ._write import TableRequests, write_requests

__all__ = [
    "DEFAULT_BATCH_ROWS",
    "FORMATS",
    "GENERATED_PREFIX",
    "INSTALL_HINT",
    "RESULT_COLUMNS",
    "FieldColumn",
    "IdRule",
    "RequestTemplate",
    "ResultStream",
    "TableInputError",
    "TableRequests",
    "TableStream",
    "columns_path",
    "flatten_schema",
    "inputs_dir",
    "load_schema_file",
    "open_table",
    "require_pyarrow",
    "result_batches",
    "results_table",
    "write_batches",
    "write_job_input",
    "write_requests",
]
