"""A job's results as Arrow record batches: one row per input, the input's own columns joined back.

The results come in input order (``joined``), and the input's columns (kept beside the
request file when it was built from a table, or a table given again) are read in the same
order, a record batch at a time: the join is one pass over each side, each row's custom_id
checked against the input's, with nothing but one batch of each in memory.

Columns, in order: the input's columns (all, or those named), then ``custom_id``,
``outcome``, ``attempts``, ``status_code``, ``answer`` (the text the model wrote), the
parsed answer's fields (with ``parse=``), ``problem_kind`` and ``problem_message`` (why an
answer did not parse), ``error_code`` and ``error_message`` (failed, expired or cancelled
requests), ``input_tokens``, ``cached_tokens``, ``output_tokens``, ``reasoning_tokens`` and
``cost_usd`` (at the batch prices of the price table; null for a model it lacks). An input
column whose name one of these takes is renamed ``input.<name>``; a parsed field whose name
a result column takes, ``parsed.<name>``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import orjson

from ..pricing import PriceTable, load_prices
from ..workflow._problems import ProblemKind
from ..workflow._results import BatchResult, Outcome
from ..workflow._structured import _chat_answer, _NoAnswer, _responses_answer, parse_answer, require_pydantic
from ..workflow._usage import usage_counts
from ._arrow import require_pyarrow
from ._columns_file import columns_path
from ._errors import TableInputError
from ._flatten import FieldColumn, flatten_schema, schema_of
from ._ids import IdRule
from ._sources import DEFAULT_BATCH_ROWS, open_table

if TYPE_CHECKING:
    from pydantic import BaseModel

    from ..workflow._store import JobStore

__all__ = ["RESULT_COLUMNS", "ResultStream", "result_batches", "results_table"]

_BEFORE_PARSED = ("custom_id", "outcome", "attempts", "status_code", "answer")
_AFTER_PARSED = (
    "problem_kind",
    "problem_message",
    "error_code",
    "error_message",
    "input_tokens",
    "cached_tokens",
    "output_tokens",
    "reasoning_tokens",
    "cost_usd",
)
#: The result columns every results table has (parsed fields go between ``answer`` and ``problem_kind``).
RESULT_COLUMNS = _BEFORE_PARSED + _AFTER_PARSED
_INTEGERS = frozenset({"attempts", "status_code", "input_tokens", "cached_tokens", "output_tokens", "reasoning_tokens"})


@attrs.frozen
class ResultStream:
    """The schema of a results table and its record batches, produced as they are read.

    Example::

        stream = result_batches(job.store, job.job_id, parse=Review)
        with pyarrow.parquet.ParquetWriter("labels.parquet", stream.schema) as out:
            for batch in stream.batches:
                out.write_batch(batch)
    """

    schema: Any
    batches: Iterator[Any]


def _answer_text(body: Any, endpoint: str) -> str | None:
    """The text the model wrote, even when cut short; None when the body holds none."""
    if not isinstance(body, dict):
        return None
    if endpoint == "/v1/responses":
        texts = [
            part["text"]
            for item in body.get("output") or []
            if isinstance(item, dict) and item.get("type") == "message"
            for part in item.get("content") or []
            if isinstance(part, dict) and part.get("type") == "output_text" and isinstance(part.get("text"), str)
        ]
        return "".join(texts) if texts else None
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return None
    message = choices[0].get("message")
    text = message.get("content") if isinstance(message, dict) else choices[0].get("text")
    return text if isinstance(text, str) else None


class _Parser:
    """Each result's parsed fields and problem, by the pydantic model or (without one) the JSON schema alone."""

    def __init__(self, parse: type[BaseModel] | Mapping[str, Any], endpoint: str) -> None:
        self.model = parse if isinstance(parse, type) else None
        if self.model is not None:
            require_pydantic()
        self.fields = flatten_schema(schema_of(parse))
        self.endpoint = endpoint

    def __call__(self, result: BatchResult) -> tuple[list[Any], str | None, str | None]:
        nothing: list[Any] = [None] * len(self.fields)
        if result.outcome is not Outcome.SUCCEEDED:
            return nothing, None, None
        if self.model is not None:
            parsed = parse_answer(result, self.endpoint, self.model)
            if parsed.problem is not None:
                return nothing, parsed.problem.kind.value, parsed.problem.message
            assert parsed.parsed is not None
            data: Any = parsed.parsed.model_dump(mode="json")
        else:
            try:
                body = result.body if isinstance(result.body, dict) else {}
                text = _responses_answer(body) if self.endpoint == "/v1/responses" else _chat_answer(body)
                data = orjson.loads(text)
            except _NoAnswer as exc:
                return nothing, exc.kind.value, str(exc)
            except orjson.JSONDecodeError as exc:
                return nothing, ProblemKind.INVALID_JSON.value, f"the answer is not JSON: {exc}"
        try:
            return [field.value(data) for field in self.fields], None, None
        except ValueError as exc:
            return nothing, ProblemKind.INVALID.value, f"the answer does not fit the schema: {exc}"


def _input_stream(
    store: JobStore, job_id: str, input: object | None, id_column: str | None, batch_rows: int
) -> tuple[Any, IdRule] | None:
    """The input's columns (a table stream) and where its ids come from; None when none are known."""
    if input is not None:
        stream = open_table(input, batch_rows=batch_rows)
        rule = IdRule(id_column)
        rule.check_columns(stream.column_names, stream.name)
        return stream, rule
    row = store.get_job(job_id)
    kept = columns_path(row.input_path) if row is not None else None
    if kept is None or not kept.is_file():
        return None
    stream = open_table(kept, batch_rows=batch_rows)
    rule = IdRule.from_metadata(stream.schema.metadata) or IdRule(id_column)
    return stream, rule


def _names(input_names: Sequence[str], fields: Sequence[FieldColumn]) -> tuple[list[str], list[str]]:
    """(input column names as shown, parsed field names as shown), renamed where they would collide."""
    taken = set(RESULT_COLUMNS)
    parsed = [f"parsed.{f.name}" if f.name in taken else f.name for f in fields]
    taken.update(parsed)
    shown = [f"input.{name}" if name in taken else name for name in input_names]
    return shown, parsed


def result_batches(
    store: JobStore,
    job_id: str,
    *,
    endpoint: str | None = None,
    columns: Sequence[str] | None = None,
    parse: type[BaseModel] | Mapping[str, Any] | None = None,
    prices: PriceTable | None = None,
    input: object | None = None,
    id_column: str | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
) -> ResultStream:
    """The job's results table as a stream of record batches (see the module's docstring for its columns).

    Reads what is stored (download first). ``input`` is the table the requests were built
    from, to join its columns back when the job was not built with ``write_requests`` (its
    rows in the order of the request lines; ``id_column`` as when they were built).
    """
    pa = require_pyarrow()
    from ..workflow._harvest import joined

    row = store.get_job(job_id)
    if row is None:
        raise TableInputError(f"no job {job_id!r} in {store.path}")
    chosen_endpoint = endpoint or row.endpoint
    parser = _Parser(parse, chosen_endpoint) if parse is not None else None
    fields = parser.fields if parser is not None else []
    table_prices = prices if prices is not None else load_prices()
    found = _input_stream(store, job_id, input, id_column, batch_rows)
    if found is None and columns:
        raise TableInputError(
            f"job {job_id}: no input columns are kept for it (its requests were not built from a table); "
            "pass the table as input="
        )
    input_fields: list[Any] = []
    if found is not None:
        stream = found[0]
        wanted = list(columns) if columns is not None else list(stream.column_names)
        missing = [name for name in wanted if name not in stream.column_names]
        if missing:
            raise TableInputError(
                f"{stream.name}: no column(s) {missing}; its columns are {list(stream.column_names)}", column=missing[0]
            )
        input_fields = [stream.schema.field(name) for name in wanted]
    shown, parsed_names = _names([f.name for f in input_fields], fields)
    result_fields = [
        pa.field(name, pa.int64() if name in _INTEGERS else pa.float64() if name == "cost_usd" else pa.string())
        for name in _BEFORE_PARSED
    ]
    result_fields += [pa.field(name, f.arrow_type(pa)) for name, f in zip(parsed_names, fields, strict=True)]
    result_fields += [
        pa.field(name, pa.int64() if name in _INTEGERS else pa.float64() if name == "cost_usd" else pa.string())
        for name in _AFTER_PARSED
    ]
    schema = pa.schema([pa.field(name, f.type) for name, f in zip(shown, input_fields, strict=True)] + result_fields)
    results = (result for result, _ in joined(store, job_id))
    rows = _RowMaker(chosen_endpoint, parser, table_prices)

    def batches() -> Iterator[Any]:
        if found is None:
            while chunk := list(itertools.islice(results, batch_rows)):
                yield pa.RecordBatch.from_arrays(rows.arrays(pa, chunk, schema, 0), schema=schema)
            return
        stream, rule = found
        start = 0
        for batch in stream.batches:
            chunk = list(itertools.islice(results, batch.num_rows))
            _check_ids(rule.ids(batch, start, stream.name), chunk, start, stream.name)
            arrays = [batch.column(f.name) for f in input_fields]
            yield pa.RecordBatch.from_arrays(arrays + rows.arrays(pa, chunk, schema, len(arrays)), schema=schema)
            start += batch.num_rows
        extra = sum(1 for _ in results)
        if extra:
            raise TableInputError(
                f"{stream.name}: it has {start} rows but job {job_id} has {start + extra} requests; "
                "give the table the requests were built from"
            )

    return ResultStream(schema, batches())


def _check_ids(ids: list[str], chunk: list[BatchResult], start: int, table: str) -> None:
    if len(chunk) < len(ids):
        raise TableInputError(
            f"{table}: row {start + len(chunk)} has no request in the job (the table has more rows than requests); "
            "give the table the requests were built from",
            row=start + len(chunk),
        )
    for offset, (custom_id, result) in enumerate(zip(ids, chunk, strict=True)):
        if custom_id != result.custom_id:
            raise TableInputError(
                f"{table}: row {start + offset} has id {custom_id!r} but request {start + offset} is "
                f"{result.custom_id!r}; the table must be the one the requests were built from, in its order",
                row=start + offset,
            )


class _RowMaker:
    """The result columns of a chunk of results, as Arrow arrays."""

    def __init__(self, endpoint: str, parser: _Parser | None, prices: PriceTable) -> None:
        self.endpoint = endpoint
        self.parser = parser
        self.prices = prices

    def arrays(self, pa: Any, chunk: list[BatchResult], schema: Any, first: int) -> list[Any]:
        width = len(schema) - first
        values: list[list[Any]] = [[] for _ in range(width)]
        for result in chunk:
            for column, value in zip(values, self._row(result), strict=True):
                column.append(value)
        return [pa.array(column, type=schema.field(first + i).type) for i, column in enumerate(values)]

    def _row(self, result: BatchResult) -> list[Any]:
        body = result.body if isinstance(result.body, dict) else None
        answer = _answer_text(body, self.endpoint) if result.outcome is Outcome.SUCCEEDED else None
        parsed: list[Any] = []
        problem_kind = problem_message = None
        if self.parser is not None:
            parsed, problem_kind, problem_message = self.parser(result)
        error = result.error
        tokens = usage_counts(body.get("usage")) if body is not None else None
        cost = None
        if tokens is not None:
            model = body.get("model") if body is not None else None
            price = self.prices.get(model) if isinstance(model, str) else None
            if price is not None:
                cost = price.cost(
                    input_tokens=tokens.input_tokens,
                    output_tokens=tokens.output_tokens,
                    cached_tokens=tokens.cached_tokens,
                )
        return [
            result.custom_id,
            result.outcome.value,
            result.attempts,
            result.status_code,
            answer,
            *parsed,
            problem_kind,
            problem_message,
            error.code if error is not None else None,
            error.message if error is not None else None,
            *(
                (tokens.input_tokens, tokens.cached_tokens, tokens.output_tokens, tokens.reasoning_tokens)
                if tokens is not None
                else (None, None, None, None)
            ),
            cost,
        ]


def results_table(store: JobStore, job_id: str, **options: Any) -> Any:
    """The whole results table in memory (a ``pyarrow.Table``); options as for :func:`result_batches`."""
    pa = require_pyarrow()
    stream = result_batches(store, job_id, **options)
    return pa.Table.from_batches(list(stream.batches), schema=stream.schema)
