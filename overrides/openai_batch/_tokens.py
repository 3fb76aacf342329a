"""Input tokens a Batch API request counts against the organisation's enqueued-token queue.

The service admits a batch only while the input tokens of a model's active batches stay under
the account's limit, and it never says how many tokens a file holds. This module estimates them
on the client, one request line at a time, so a whole input file is counted with bounded memory.

Two ways of counting a text, chosen per encoding:

* **tiktoken**, when the package is installed (the ``tokens`` extra) *and* the encoding file is
  already in tiktoken's local cache. Nothing is ever downloaded: a missing or corrupt cache file
  means the rule below is used instead.
* **A conservative rule** otherwise. It follows how the encodings split text before merging
  (letters, digits, punctuation and whitespace never share a token) and counts:

  - each run of up to 4 letters, up to 3 digits, or up to 2 punctuation marks: 1 token;
  - a run of newlines (with the indentation after it), a run of 2+ spaces or tabs elsewhere,
    and a space before a digit: 1 token each (a single space joins the word after it);
  - on top of that, per non-ASCII character: Latin with diacritics 1.5; CJK, kana and Hangul
    1.3 (cl100k_base) or 1.0 (o200k_base); characters beyond the BMP, such as emoji,
    2.0 / 1.5; any other script (Cyrillic, Greek, Arabic, Indic, ...) 1.0 / 0.5.

  Measured against the real cl100k_base and o200k_base encodings on about 3,960 text samples
  of 800-1,500 characters (English prose, Python code, JSON, numbers, 16 languages; see
  bench/token_margin.py), the rule never counted fewer than 0.81x the real tokens of a sample;
  it went under 1.0x only for Polish, Turkish, German, Vietnamese and Hindi with cl100k_base and
  Polish and German with o200k_base. English, code and JSON came out at 1.11x-1.19x at worst and
  1.3x-1.45x typically, numbers at exactly 1.0x, and each category's total at 1.02x or more, so
  a shard's sum is not under-counted in practice. Text that is really data (base64 pasted into a
  prompt) is under-counted by up to 45 %.

Per request: chat messages and Responses input items add 3 tokens each and every chat or
Responses request 3 more (the framing the models see); a ``name`` adds 1. Images count
``image_tokens`` each (default 1,445: a high-detail image at the worst aspect ratio on the
tile-priced models; ``detail: "low"`` counts 85). Tool and schema definitions, tool calls and any
part that is not text or an image are counted as the text of their JSON, which over-counts
inline data such as audio. Token arrays (embeddings, completions) count their length.

Example::

    estimator = TokenEstimator()
    estimator.request_tokens({"custom_id": "a", "method": "POST", "url": "/v1/chat/completions",
                              "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]}})
    totals = estimate_file_tokens("requests.jsonl")
    totals.by_model        # {"gpt-4o-mini": 1234}
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import re
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO, Protocol

O200K = "o200k_base"
CL100K = "cl100k_base"
ENCODINGS = (O200K, CL100K)

DEFAULT_IMAGE_TOKENS = 1_445
LOW_DETAIL_IMAGE_TOKENS = 85
MESSAGE_OVERHEAD = 3
REQUEST_OVERHEAD = 3
NAME_OVERHEAD = 1

# Model name prefixes, most specific first: the families tokenized with cl100k_base. Every other
# model (gpt-4o, gpt-4.1, gpt-5, o-series, omni-moderation and models not known yet) uses o200k_base.
_CL100K_PREFIXES = (
    "gpt-4-",
    "gpt-4",
    "gpt-3.5",
    "gpt-35",
    "text-embedding-3",
    "text-embedding-ada-002",
    "text-moderation",
    "davinci-002",
    "babbage-002",
)
_O200K_PREFIXES = ("gpt-4o", "gpt-4.1", "gpt-4.5", "chatgpt-4o")

# tiktoken's cache key for each encoding file (sha1 of the address tiktoken fetches it from) and
# the sha256 tiktoken checks its content against: a file that fails the check would make tiktoken
# fetch it again, so only a verified one is used.
_CACHED_FILES = {
    CL100K: (
        "9b5ad71b2ce5302211f9c61530b329a4922fc6a4",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
    O200K: (
        "fb374d419588a4632f3f557e76b4b70aebbca790",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
}


class Encoder(Protocol):
    """What the estimator needs from an encoding: tiktoken.Encoding satisfies it."""

    def encode_ordinary(self, text: str) -> list[int]: ...


def encoding_for_model(model: str | None) -> str:
    """The tiktoken encoding name of `model`; fine-tuned models ("ft:base:org::id") use their base's."""
    name = (model or "").lower()
    if name.startswith("ft:"):
        name = name[3:]
    if name.startswith(_O200K_PREFIXES):
        return O200K
    if name.startswith(_CL100K_PREFIXES):
        return CL100K
    return O200K


# The conservative rule --------------------------------------------------------------------------

# The rule works on a copy of the text's UTF-8 bytes in which each character becomes one class
# byte (continuation bytes are dropped): counting runs there takes a few C-speed passes
# (translate, replace, count) instead of a regular expression match per token.
_LETTER, _DIGIT, _PUNCT, _SPACE, _NEWLINE = b"a", b"0", b".", b" ", b"\n"
_SEPARATOR = b"|"
#: Joins texts counted together by the rule; in a text itself it counts as nothing (it is a
#: control character no prompt is expected to hold).
TEXT_SEPARATOR = "\x1f"
# Non-ASCII classes, by the UTF-8 lead byte: Latin with diacritics (U+00C0-U+027F), CJK/kana/
# Hangul/full-width (U+3000-U+DFFF, U+F000-U+FFFF), beyond the BMP (emoji), symbols and
# punctuation (U+0080-U+00BF, U+2000-U+2FFF), and letters of any other script.
_LATIN, _CJK, _ASTRAL, _SYMBOL, _OTHER = b"l", b"c", b"x", b"q", b"o"


def _class_table() -> bytes:
    table = bytearray(256)
    for byte in range(256):
        char = chr(byte)
        if byte < 0x80:
            if char in "\r\n":
                cls = _NEWLINE
            elif char.isspace():
                cls = _SPACE
            elif char.isalpha():
                cls = _LETTER
            elif char.isdigit():
                cls = _DIGIT
            else:
                cls = _PUNCT
        elif 0xC3 <= byte <= 0xC9:
            cls = _LATIN
        elif 0xE3 <= byte <= 0xED or byte == 0xEF:
            cls = _CJK
        elif byte >= 0xF0:
            cls = _ASTRAL
        elif byte in (0xC2, 0xE2):
            cls = _SYMBOL
        else:
            cls = _OTHER
        table[byte] = cls[0]
    # The unit separator joins the texts of many requests counted at once (TokenCounter): its
    # class belongs to no run, so it splits runs and counts nothing.
    table[ord(TEXT_SEPARATOR)] = _SEPARATOR[0]
    return bytes(table)


_CLASSES = _class_table()
_CONTINUATION_BYTES = bytes(range(0x80, 0xC0))
# Second step: every letter class becomes a letter, emoji and symbols punctuation.
_RUNS = bytes.maketrans(_LATIN + _CJK + _OTHER + _ASTRAL + _SYMBOL, _LETTER * 3 + _PUNCT * 2)
# U+1E00-U+1EFF (Vietnamese and other Latin with diacritics) share lead byte 0xE1 with other
# scripts, so they are told apart by their second byte.
_LATIN_ADDITIONAL = (b"\xe1\xb8", b"\xe1\xb9", b"\xe1\xba", b"\xe1\xbb")
# Written with a literal first character ("\n\n*", not "\n+"): the regex engine then skips
# ahead to each candidate with a fast search instead of trying every position, which made the
# newline count a third of the rule's time on text without newlines.
_NEWLINE_RUNS = re.compile(rb"\n\n*")
_SPACE_RUNS = re.compile(rb"   *")


@dataclasses.dataclass(frozen=True)
class _Weights:
    latin_marked: float
    cjk: float
    astral: float
    other: float


_WEIGHTS = {
    CL100K: _Weights(latin_marked=1.5, cjk=1.3, astral=2.0, other=1.0),
    O200K: _Weights(latin_marked=1.5, cjk=1.0, astral=1.5, other=0.5),
}


# Markers that stand for a whole chunk of a run once it is counted: bytes no class maps to, so
# they split the runs of every class just as the chunk did.
_LETTER_CHUNK, _DIGIT_CHUNK = b"\x00", b"\x01"
# Letters as they are, every other class as one byte: a letter after that byte starts a run.
_NOT_LETTER = b"-"
_LETTERS_APART = bytes(_LETTER[0] if byte == _LETTER[0] else _NOT_LETTER[0] for byte in range(256))


def _run_tokens(classes: bytes) -> int:
    """Letter, digit and punctuation chunks plus the whitespace tokens of a class string.

    Counting passes (``bytes.count`` and ``replace``, C loops) instead of a match per run.
    Letters go first: each chunk of four becomes one marker byte, which leaves what remains
    of every run (0 to 3 letters) and shortens the bytes all later passes read, letters being
    most of a prose text. What remains of a run (1 to 3 letters) is one token: they are
    counted as the letters that follow a byte of any other class, in a copy where every
    other class is one byte (a translate and one count, quicker than three counts). A digit
    run of length r has ceil(r / 3) tokens: chunks of three are cut as letters are, and a
    remainder r < 3 holds r singles and r // 2 pairs (singles - pairs is 1 for r = 1 and 2),
    only where a text holds any digits; a punctuation run of length r has ceil(r / 2) =
    singles - pairs tokens directly.
    """
    rest = classes.replace(_LETTER * 4, _LETTER_CHUNK)
    letters = rest.translate(_LETTERS_APART)
    count = (len(classes) - len(rest)) // 3 + letters.count(_NOT_LETTER + _LETTER) + letters.startswith(_LETTER)
    count += rest.count(_PUNCT) - rest.count(_PUNCT * 2)
    if _DIGIT in rest:
        digits = rest.replace(_DIGIT * 3, _DIGIT_CHUNK)
        count += (len(rest) - len(digits)) // 2 + digits.count(_DIGIT) - digits.count(_DIGIT * 2)
        count += rest.count(_SPACE + _DIGIT)  # a space before a number is a token of its own
    newlines = len(_NEWLINE_RUNS.findall(rest)) if _NEWLINE in rest else 0  # "in": a memchr, most prose has none
    if newlines:
        count += newlines - rest.count(b"\n  ")  # indentation after a newline is part of its token
    return count + len(_SPACE_RUNS.findall(rest))


def rule_tokens(text: str, encoding: str = O200K) -> int:
    """Tokens of `text` by the conservative rule (see the module docstring) for `encoding`."""
    if not text or text == TEXT_SEPARATOR:
        return 0
    raw = text.encode("utf-8", "surrogatepass")
    classes = raw.translate(_CLASSES, _CONTINUATION_BYTES)
    extra = 0
    if not raw.isascii():
        weights = _WEIGHTS.get(encoding, _WEIGHTS[CL100K])
        additional = sum(raw.count(prefix) for prefix in _LATIN_ADDITIONAL)
        latin = classes.count(_LATIN) + additional
        other = classes.count(_OTHER) + classes.count(_SYMBOL) - additional
        extra = math.ceil(
            latin * weights.latin_marked
            + classes.count(_CJK) * weights.cjk
            + classes.count(_ASTRAL) * weights.astral
            + other * weights.other
        )
        classes = classes.translate(_RUNS)
    return max(_run_tokens(classes) + extra, 1)


# tiktoken, from the local cache only ----------------------------------------------------------------


def _cache_dir() -> str | None:
    """tiktoken's cache directory, by its own rules; None when caching is turned off."""
    if "TIKTOKEN_CACHE_DIR" in os.environ:
        directory = os.environ["TIKTOKEN_CACHE_DIR"]
    elif "DATA_GYM_CACHE_DIR" in os.environ:
        directory = os.environ["DATA_GYM_CACHE_DIR"]
    else:
        directory = os.path.join(tempfile.gettempdir(), "data-gym-cache")
    return directory or None


def _cached_file_is_valid(name: str) -> bool:
    known = _CACHED_FILES.get(name)
    directory = _cache_dir()
    if known is None or directory is None:
        return False
    key, sha256 = known
    try:
        data = Path(directory, key).read_bytes()
    except OSError:
        return False
    return hashlib.sha256(data).hexdigest() == sha256


_LOADED: dict[str, Encoder | None] = {}
_LOAD_LOCK = threading.Lock()


def cached_encoding(name: str) -> Encoder | None:
    """tiktoken's encoding `name` if tiktoken is installed and the file is cached; never downloads.

    The answer is remembered for the process: a file cached later is seen by a new process.
    """
    with _LOAD_LOCK:
        if name in _LOADED:
            return _LOADED[name]
        encoder = _load_cached(name)
        _LOADED[name] = encoder
        return encoder


def _load_cached(name: str) -> Encoder | None:
    if not _cached_file_is_valid(name):
        return None
    try:
        import tiktoken
    except ImportError:
        return None
    # The file is cached and verified, so tiktoken reads it from disk and fetches nothing.
    return tiktoken.get_encoding(name)


# Walking request bodies -------------------------------------------------------------------------


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@dataclasses.dataclass
class _Tally:
    """Texts to tokenize and tokens already known (overheads, images, token arrays)."""

    texts: list[str] = dataclasses.field(default_factory=list)
    fixed: int = 0


class TokenEstimator:
    """Counts the input tokens of Batch API requests.

    `encoders` maps an encoding name to an object with ``encode_ordinary`` (a tiktoken.Encoding);
    encodings not given are looked up in tiktoken's local cache when `use_tiktoken` is true, and
    counted by the conservative rule otherwise.

    Example::

        estimator = TokenEstimator(image_tokens=765)
        estimator.body_tokens("/v1/embeddings", {"model": "text-embedding-3-small", "input": ["a", "b"]})
        estimator.method("gpt-4o-mini")   # "tiktoken" or "rule"
    """

    def __init__(
        self,
        *,
        encoders: Mapping[str, Encoder] | None = None,
        use_tiktoken: bool = True,
        image_tokens: int = DEFAULT_IMAGE_TOKENS,
    ) -> None:
        if image_tokens < 0:
            raise ValueError(f"image_tokens must be >= 0, got {image_tokens}")
        self._encoders = dict(encoders or {})
        self._use_tiktoken = use_tiktoken
        self._image_tokens = image_tokens

    def _encoder(self, encoding: str) -> Encoder | None:
        if encoding in self._encoders:
            return self._encoders[encoding]
        return cached_encoding(encoding) if self._use_tiktoken else None

    def method(self, model: str | None) -> str:
        """ "tiktoken" when `model`'s encoding is counted exactly, "rule" when estimated."""
        return "tiktoken" if self._encoder(encoding_for_model(model)) is not None else "rule"

    def text_tokens(self, text: str, model: str | None = None) -> int:
        encoding = encoding_for_model(model)
        encoder = self._encoder(encoding)
        if encoder is not None:
            return len(encoder.encode_ordinary(text))
        return rule_tokens(text, encoding)

    def request_tokens(self, request: Mapping[str, Any]) -> int:
        """Tokens of one input-file request {"custom_id", "method", "url", "body"}."""
        body = request.get("body")
        url = request.get("url")
        return self.body_tokens(url if isinstance(url, str) else "", body if isinstance(body, Mapping) else {})

    def body_tokens(self, endpoint: str, body: Mapping[str, Any]) -> int:
        """Tokens of a request `body` sent to `endpoint` (e.g. "/v1/chat/completions")."""
        model = body.get("model")
        model_name = model if isinstance(model, str) else _default_model(endpoint)
        tally = _Tally()
        walker = _WALKERS.get(endpoint, _walk_other)
        walker(self, body, tally)
        return tally.fixed + sum(self.text_tokens(text, model_name) for text in tally.texts if text)

    # Parts shared by the walkers

    def _image(self, part: Mapping[str, Any], tally: _Tally) -> None:
        image = part.get("image_url")
        detail = part.get("detail")
        if isinstance(image, Mapping):
            detail = image.get("detail", detail)
        tally.fixed += LOW_DETAIL_IMAGE_TOKENS if detail == "low" else self._image_tokens

    def _content(self, content: Any, tally: _Tally) -> None:
        """A message content: a string, or a list of text, image and other parts."""
        if isinstance(content, str):
            tally.texts.append(content)
            return
        if not isinstance(content, list):
            if content is not None:
                tally.texts.append(_json_text(content))
            return
        for part in content:
            if isinstance(part, str):
                tally.texts.append(part)
            elif not isinstance(part, Mapping):
                tally.texts.append(_json_text(part))
            elif part.get("type") in ("image_url", "input_image", "image"):
                self._image(part, tally)
            elif isinstance(part.get("text"), str) and part.get("type") in (None, "text", "input_text", "output_text"):
                tally.texts.append(part["text"])
            else:
                tally.texts.append(_json_text(part))


def _default_model(endpoint: str) -> str | None:
    return "omni-moderation-latest" if endpoint == "/v1/moderations" else None


def _definitions(body: Mapping[str, Any], keys: Iterable[str], tally: _Tally) -> None:
    for key in keys:
        value = body.get(key)
        if value:
            tally.texts.append(_json_text(value))


def _walk_chat(estimator: TokenEstimator, body: Mapping[str, Any], tally: _Tally) -> None:
    messages = body.get("messages")
    tally.fixed += REQUEST_OVERHEAD
    for message in messages if isinstance(messages, list) else []:
        tally.fixed += MESSAGE_OVERHEAD
        if not isinstance(message, Mapping):
            tally.texts.append(_json_text(message))
            continue
        role = message.get("role")
        if isinstance(role, str):
            tally.texts.append(role)
        name = message.get("name")
        if isinstance(name, str):
            tally.texts.append(name)
            tally.fixed += NAME_OVERHEAD
        estimator._content(message.get("content"), tally)
        for key in ("tool_calls", "function_call", "audio"):
            if message.get(key):
                tally.texts.append(_json_text(message[key]))
    _definitions(body, ("tools", "functions", "response_format", "prediction"), tally)


def _walk_responses(estimator: TokenEstimator, body: Mapping[str, Any], tally: _Tally) -> None:
    tally.fixed += REQUEST_OVERHEAD
    instructions = body.get("instructions")
    if isinstance(instructions, str):
        tally.texts.append(instructions)
        tally.fixed += MESSAGE_OVERHEAD
    given = body.get("input")
    if isinstance(given, str):
        tally.texts.append(given)
        tally.fixed += MESSAGE_OVERHEAD
    for item in given if isinstance(given, list) else []:
        tally.fixed += MESSAGE_OVERHEAD
        if not isinstance(item, Mapping):
            tally.texts.append(_json_text(item))
        elif "content" in item:
            role = item.get("role")
            if isinstance(role, str):
                tally.texts.append(role)
            estimator._content(item.get("content"), tally)
        else:
            # function_call, function_call_output, reasoning and other items: their JSON.
            tally.texts.append(_json_text(item))
    text = body.get("text")
    if isinstance(text, Mapping) and text.get("format"):
        tally.texts.append(_json_text(text["format"]))
    _definitions(body, ("tools",), tally)


def _prompts(value: Any, tally: _Tally) -> None:
    """A string, a list of strings, a token array or a list of token arrays."""
    if isinstance(value, str):
        tally.texts.append(value)
    elif isinstance(value, list) and value and all(isinstance(item, int) for item in value):
        tally.fixed += len(value)
    elif isinstance(value, list):
        for item in value:
            _prompts(item, tally)
    elif value is not None:
        tally.texts.append(_json_text(value))


def _walk_embeddings(estimator: TokenEstimator, body: Mapping[str, Any], tally: _Tally) -> None:
    _prompts(body.get("input"), tally)


def _walk_completions(estimator: TokenEstimator, body: Mapping[str, Any], tally: _Tally) -> None:
    _prompts(body.get("prompt"), tally)
    suffix = body.get("suffix")
    if isinstance(suffix, str):
        tally.texts.append(suffix)


def _walk_moderations(estimator: TokenEstimator, body: Mapping[str, Any], tally: _Tally) -> None:
    given = body.get("input")
    if isinstance(given, list) and any(isinstance(item, Mapping) for item in given):
        estimator._content(given, tally)
    else:
        _prompts(given, tally)


def _walk_other(estimator: TokenEstimator, body: Mapping[str, Any], tally: _Tally) -> None:
    """Endpoints without a known shape (images, videos, ...): the prompt, else every string."""
    prompt = body.get("prompt")
    if isinstance(prompt, str):
        tally.texts.append(prompt)
        return
    tally.texts.extend(value for key, value in body.items() if isinstance(value, str) and key != "model")


_WALKERS = {
    "/v1/chat/completions": _walk_chat,
    "/v1/responses": _walk_responses,
    "/v1/embeddings": _walk_embeddings,
    "/v1/completions": _walk_completions,
    "/v1/moderations": _walk_moderations,
}


# Many requests at once ------------------------------------------------------------------------------


_CHAT = "/v1/chat/completions"
# Chat request keys that add text of their own: a body with any of them takes the full walk.
_CHAT_EXTRAS = ("tools", "functions", "response_format", "prediction")


def _plain_chat(body: Mapping[str, Any], roles: Mapping[str, int] | None = None) -> tuple[int | None, list[str] | None]:
    """(fixed tokens, texts) of a chat body whose messages are all {role, content: str}; else (None, None).

    The common case, counted exactly as ``_walk_chat`` would, without its general walk. A
    role found in ``roles`` adds its known count to the fixed tokens instead of being a text.
    """
    messages = body.get("messages")
    if type(messages) is not list or not body.keys().isdisjoint(_CHAT_EXTRAS):
        return None, None
    texts: list[str] = []
    append = texts.append
    known = roles or {}
    fixed = REQUEST_OVERHEAD + MESSAGE_OVERHEAD * len(messages)
    for message in messages:
        if type(message) is not dict or len(message) != 2:
            return None, None
        role = message.get("role")
        content = message.get("content")
        if type(role) is not str or type(content) is not str:
            return None, None
        role_tokens = known.get(role)
        if role_tokens is None:
            append(role)
        else:
            fixed += role_tokens
        if content:
            append(content)
    return fixed, texts


# Chat roles as the rule counts each alone (ASCII: the same for every encoding).
_RULE_ROLE_TOKENS = {role: rule_tokens(role) for role in ("system", "developer", "user", "assistant", "tool")}


def _rule_sum(texts: list[str], encoding: str) -> int:
    """The rule's count of each text alone, summed: ASCII texts joined and counted in one pass.

    Counted alone, a single space or tab is 1 token (the rule's minimum); joined, 0, so those
    are added one each. Every other text has a token of its own, so a block holding one is
    never raised to the minimum (a block of lone spaces alone would count 1 too many).
    """
    if not texts:
        return 0
    joined = TEXT_SEPARATOR.join(texts)
    lone = texts.count(" ") + texts.count("\t")
    if joined.isascii():  # the common case, without a pass per text
        return lone + (rule_tokens(joined, encoding) if len(texts) > lone else 0)
    ascii_texts = [text for text in texts if text.isascii() and text not in _LONE_SPACES]
    # Non-ASCII weights are rounded up per text (as each would be alone): count those one by one.
    counted = lone + sum(rule_tokens(text, encoding) for text in texts if not text.isascii())
    return counted + (rule_tokens(TEXT_SEPARATOR.join(ascii_texts), encoding) if ascii_texts else 0)


_LONE_SPACES = (" ", "\t")


class _RuleTexts:
    """One model's requests counted by the rule: their texts waiting for a block, and their fixed tokens.

    A text that opens request after request (the system prompt most jobs share) is counted
    once and its count reused while the requests keep opening with it.
    """

    __slots__ = ("encoding", "fixed", "opening", "opening_tokens", "requests", "texts")

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self.texts: list[str] = []
        self.fixed = 0
        self.requests = 0
        # The previous request's first text and its count by the rule (-1: not counted yet).
        self.opening: str | None = None
        self.opening_tokens = -1

    def take(self, fixed: int, texts: list[str]) -> int:
        """One request's fixed tokens and non-empty texts (``texts`` is consumed); returns the characters held."""
        if texts:
            first = texts[0]
            if first == self.opening:
                if self.opening_tokens < 0:
                    self.opening_tokens = rule_tokens(first, self.encoding)
                fixed += self.opening_tokens
                del texts[0]
            else:
                self.opening, self.opening_tokens = first, -1
            self.texts += texts
        self.fixed += fixed
        self.requests += 1
        return sum(map(len, texts))


class TokenCounter:
    """Sums the estimated tokens of many requests per model, as :meth:`TokenEstimator.body_tokens` would.

    Counting a shard of 50,000 short requests one text at a time spends most of its time in
    per-call overhead. The rule is additive over texts, so the counter joins the texts of many
    requests with :data:`TEXT_SEPARATOR` (which splits every run and counts nothing) and counts
    each block in one pass; tiktoken, when used, counts each text as it comes. The result is the
    sum of the per-request estimates (a whitespace-only text counts 1, as it would alone).

    A text that opens request after request (the system prompt most jobs share) is counted by
    the rule once and its count reused while the requests keep opening with it: one string
    comparison per request instead of a pass over the same text 50,000 times.

    Example::

        counter = TokenCounter()
        for request in requests:
            counter.add(request["url"], request["body"])
        counter.totals()    # {"gpt-4o-mini": 1234567}
    """

    # A block is counted once it holds this many texts or characters, whichever comes first:
    # a block amortises the passes over it, and memory follows the characters held, not the
    # line count (8,000 texts of 100 KB would be 800 MB). The rule makes a few copies of a
    # block, so a block of 1M characters costs a few MB whatever the lines' length.
    _BLOCK_TEXTS = 8_000
    #: The most characters of text held before they are counted (a single longer text is counted at once).
    BLOCK_CHARS = 1_000_000

    def __init__(self, estimator: TokenEstimator | None = None) -> None:
        self._estimator = estimator or TokenEstimator()
        self._totals: dict[str | None, int] = {}
        # Per model counted by the rule: its texts waiting to be counted (see _RuleTexts).
        self._waiting: dict[str | None, _RuleTexts] = {}
        self._held_texts = 0
        self._held_chars = 0
        self._encoders: dict[str, Encoder | None] = {}
        self._encodings: dict[str | None, str] = {}

    @property
    def estimator(self) -> TokenEstimator:
        return self._estimator

    @property
    def held_chars(self) -> int:
        """Characters of text held, not counted yet (at most about :attr:`BLOCK_CHARS`)."""
        return self._held_chars

    def add(self, endpoint: str, body: Mapping[str, Any]) -> None:
        """Count one request ``body`` sent to ``endpoint``."""
        self.add_all(endpoint, (body,))

    def add_all(self, endpoint: str, bodies: Iterable[Mapping[str, Any]]) -> None:
        """Count requests ``bodies``, all sent to ``endpoint``, as :meth:`add` would one by one.

        The usual chat request ({role, content: str} messages, nothing else that adds text)
        of a model already seen goes straight to that model's held texts, without the general
        walk: this loop runs once per line of a job's input.
        """
        waiting_for = self._waiting
        chat = endpoint == _CHAT
        for body in bodies:
            model = body.get("model")
            waiting = waiting_for.get(model) if chat and type(model) is str else None
            if waiting is not None:
                fixed, texts = _plain_chat(body, _RULE_ROLE_TOKENS)
                if fixed is not None and texts is not None:
                    self._hold(waiting, fixed, texts)
                    continue
            self._add_walked(endpoint, body)

    def _add_walked(self, endpoint: str, body: Mapping[str, Any]) -> None:
        """One request by the general walk (any endpoint and shape, tiktoken or the rule)."""
        model = body.get("model")
        model_name = model if type(model) is str else _default_model(endpoint)
        encoding = self._encodings.get(model_name)
        if encoding is None:
            encoding = self._encodings[model_name] = encoding_for_model(model_name)
            if encoding not in self._encoders:
                self._encoders[encoding] = self._estimator._encoder(encoding)
        encoder = self._encoders[encoding]
        # By the rule, the usual roles have fixed counts: no need to join and scan them again.
        roles = None if encoder is not None else _RULE_ROLE_TOKENS
        fixed, texts = _plain_chat(body, roles) if endpoint == _CHAT else (None, None)
        if fixed is None or texts is None:
            tally = _Tally()
            _WALKERS.get(endpoint, _walk_other)(self._estimator, body, tally)
            fixed, texts = tally.fixed, [text for text in tally.texts if text]
        if encoder is not None:
            tokens = fixed + sum(len(encoder.encode_ordinary(text)) for text in texts)
            self._totals[model_name] = self._totals.get(model_name, 0) + tokens
            return
        waiting = self._waiting.get(model_name)
        if waiting is None:
            waiting = self._waiting[model_name] = _RuleTexts(encoding)
        self._hold(waiting, fixed, texts)

    def _hold(self, waiting: _RuleTexts, fixed: int, texts: list[str]) -> None:
        self._held_chars += waiting.take(fixed, texts)
        self._held_texts += len(texts)
        if self._held_texts >= self._BLOCK_TEXTS or self._held_chars >= self.BLOCK_CHARS:
            self._flush()

    def _flush(self) -> None:
        totals = self._totals
        for model, waiting in self._waiting.items():
            if waiting.requests:
                counted = waiting.fixed + _rule_sum(waiting.texts, waiting.encoding)
                totals[model] = totals.get(model, 0) + counted
            waiting.texts, waiting.fixed, waiting.requests = [], 0, 0
        self._held_texts = 0
        self._held_chars = 0

    def totals(self) -> dict[str | None, int]:
        """Tokens so far per model (``None`` for requests without one)."""
        self._flush()
        return dict(self._totals)

    def reset(self) -> dict[str | None, int]:
        """:meth:`totals`, then start again from zero (one shard after another)."""
        totals = self.totals()
        self._totals.clear()
        return totals


# Whole files --------------------------------------------------------------------------------------


@dataclasses.dataclass
class TokenTotals:
    """Estimated input tokens of a file (or byte range), per model.

    `by_model` keys are the requests' ``body.model`` (None for requests without one); `invalid`
    counts lines that are not a JSON request object, which a batch would reject anyway and which
    are counted by the rule over their raw text so that the total never ignores them.
    """

    by_model: dict[str | None, int] = dataclasses.field(default_factory=dict)
    requests: int = 0
    invalid: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_model.values())

    def add(self, model: str | None, tokens: int) -> None:
        self.by_model[model] = self.by_model.get(model, 0) + tokens


def _ranged_lines(stream: BinaryIO, start: int, end: int | None) -> Iterator[bytes]:
    stream.seek(start)
    position = start
    while end is None or position < end:
        raw = stream.readline()
        if not raw:
            return
        position += len(raw)
        yield raw


def estimate_file_tokens(
    source: str | os.PathLike[str] | BinaryIO,
    *,
    start: int = 0,
    end: int | None = None,
    estimator: TokenEstimator | None = None,
) -> TokenTotals:
    """Per-model token totals of the JSONL requests in `source`, streamed one line at a time.

    `start`/`end` select a byte range: lines that begin in [start, end) are counted, so ranges cut
    on line boundaries add up to the whole file. `source` is a path or a binary stream.
    """
    counter = estimator or TokenEstimator()
    totals = TokenTotals()
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as stream:
            _add_lines(counter, _ranged_lines(stream, start, end), totals)
    else:
        _add_lines(counter, _ranged_lines(source, start, end), totals)
    return totals


def _add_lines(counter: TokenEstimator, lines: Iterable[bytes], totals: TokenTotals) -> None:
    for raw in lines:
        if not raw.strip():
            continue
        try:
            request = json.loads(raw)
        except ValueError:
            request = None
        if not isinstance(request, dict):
            totals.invalid += 1
            totals.add(None, rule_tokens(raw.decode("utf-8", "replace"), CL100K))
            continue
        totals.requests += 1
        body = request.get("body")
        model = body.get("model") if isinstance(body, dict) else None
        totals.add(model if isinstance(model, str) else None, counter.request_tokens(request))
