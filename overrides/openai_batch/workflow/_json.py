"""The job layer's JSON codec: orjson when it is installed (a dependency), the standard library otherwise.

A whole job parses every result line and writes one JSON line per input; with 100,000
requests that is most of the client's CPU, and orjson does it several times faster than
``json``. Both produce compact UTF-8 lines; results are plain JSON trees, so they agree.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

__all__ = ["Fragment", "dumps", "loads"]

loads: Callable[[bytes | str], Any]
dumps: Callable[[Any], bytes]
#: orjson's pre-encoded JSON (embedded as it is by dumps); None with the standard library.
Fragment: Callable[[bytes], Any] | None

try:
    import orjson
except ImportError:  # pragma: no cover - orjson is a dependency; kept working without it
    _encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode

    def _loads(data: bytes | str) -> Any:
        # Decoding first skips json's encoding sniffing; result lines are UTF-8.
        return json.loads(data.decode() if isinstance(data, bytes) else data)

    def _dumps(value: Any) -> bytes:
        return _encode(value).encode()

    loads, dumps, Fragment = _loads, _dumps, None
else:
    loads = orjson.loads
    dumps = orjson.dumps
    Fragment = orjson.Fragment
