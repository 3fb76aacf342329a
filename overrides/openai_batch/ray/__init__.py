"""Batch jobs from and into Ray Data: a datasink that sends a dataset, a datasource that reads the results.

Needs the ``ray`` extra (``pip install 'openai-batch-client[ray]'``). Workers render,
check, shard and upload; the driver alone creates batches, under the account's queue; the
results are read back one shard per read task, the input's columns joined back.

Example::

    import ray
    from openai_batch.ray import BatchDatasink, read_results, wait
    from openai_batch.tables import RequestTemplate

    sink = BatchDatasink(RequestTemplate("Classify: {text}", model="gpt-4o-mini"),
                         id_column="review_id", columns_dir="s3://bucket/columns/", manifest_path="job.json")
    ray.data.read_parquet("s3://bucket/reviews/").write_datasink(sink)
    manifest = wait(sink.manifest)                     # any machine, any time later: wait("job.json")
    read_results(manifest).write_parquet("s3://bucket/labels/")
"""

from ._require import INSTALL_HINT, require_ray_data

require_ray_data()  # one clear line when the extra is missing, before Ray's own import errors

from ._manifest import MANIFEST_KIND, load_manifest, save_manifest  # noqa: E402
from ._settings import ClientSettings  # noqa: E402
from ._sink import BatchDatasink  # noqa: E402
from ._source import ResultsDatasource, read_results  # noqa: E402
from ._wait import wait  # noqa: E402

__all__ = [
    "INSTALL_HINT",
    "MANIFEST_KIND",
    "BatchDatasink",
    "ClientSettings",
    "ResultsDatasource",
    "load_manifest",
    "read_results",
    "save_manifest",
    "wait",
]
