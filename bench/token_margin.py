"""How far the conservative token rule (openai_batch._tokens.rule_tokens) is from real tokens.

Needs tiktoken and the real cl100k_base / o200k_base files in tiktoken's cache (the estimator
never downloads them; copy them into $TIKTOKEN_CACHE_DIR under tiktoken's cache names first).

    python bench/token_margin.py                       # a table: min and median of rule/real per category
    python bench/token_margin.py --write-fixture tests/fixtures/token_reference.json

The corpus: English prose from Python's own documentation, Python code from the standard
library, JSON from openapi.yaml, generated numbers, text in 16 languages from the gettext
catalogs installed on the machine (/usr/share/locale), the prompts of bench/token_texts.py, and
(reported apart, as data rather than text) hex, UUIDs, base64 and emoji. The fixture keeps only
text this project may ship: its own prose, code and spec, generated numbers and token_texts.py,
each with its real token counts, so the test checks the rule's bound without any encoding file.
"""

from __future__ import annotations

import argparse
import base64
import gettext
import glob
import json
import random
import statistics
import sys
import sysconfig
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "overrides"))
sys.path.insert(0, str(ROOT / "bench"))

from openai_batch._tokens import CL100K, ENCODINGS, O200K, cached_encoding, rule_tokens  # noqa: E402
from token_texts import WRITTEN  # noqa: E402

LANGUAGES = ("ru", "zh_CN", "ja", "ko", "ar", "hi", "uk", "el", "he", "th", "de", "fr", "es", "vi", "tr", "pl")


def _chunks(text: str, size: int, limit: int) -> list[str]:
    pieces = [text[i : i + size] for i in range(0, len(text), size)]
    return [piece for piece in pieces if piece.strip()][:limit]


def _catalog_text(language: str) -> str:
    texts: list[str] = []
    paths = sorted(glob.glob(f"/usr/share/locale/{language}/LC_MESSAGES/*.mo"))
    for path in paths:
        try:
            with open(path, "rb") as stream:
                catalog = gettext.GNUTranslations(stream)
        except (OSError, ValueError):
            continue
        if (catalog.charset() or "").lower().replace("-", "") != "utf8":
            continue
        texts.extend(
            value for key, value in catalog._catalog.items() if key and isinstance(value, str) and value.strip()
        )  # type: ignore[attr-defined]
    return "\n".join(texts)


def _numbers(rng: random.Random, count: int) -> list[str]:
    samples = []
    for index in range(count):
        kind = index % 5
        if kind == 0:
            text = ",".join(f"{rng.uniform(-1e4, 1e4):.4f}" for _ in range(100))
        elif kind == 1:
            text = " ".join(str(rng.randrange(10 ** rng.randrange(1, 12))) for _ in range(100))
        elif kind == 2:
            text = "\n".join(
                f"{rng.randrange(1900, 2100)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}, "
                f"{rng.randrange(100)}.{rng.randrange(100):02d}"
                for _ in range(40)
            )
        elif kind == 3:
            text = " ".join(
                f"+1 ({rng.randrange(200, 999)}) {rng.randrange(100, 999)}-{rng.randrange(1000, 9999)}"
                for _ in range(40)
            )
        else:
            text = "".join(str(rng.randrange(10)) for _ in range(800))
        samples.append(text)
    return samples


def shippable_corpus() -> dict[str, list[str]]:
    """Samples whose text the project may commit as a test fixture."""
    rng = random.Random(7)
    prose = "\n\n".join(
        part for part in (ROOT / "README.md").read_text(encoding="utf-8").split("\n\n") if not part.startswith("```")
    )
    code = "".join(path.read_text(encoding="utf-8") for path in sorted((ROOT / "overrides/openai_batch").glob("*.py")))
    import yaml

    spec = json.dumps(yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8")))
    corpus = {
        "english": _chunks(prose, 1200, 12) + WRITTEN["english"],
        "code": _chunks(code, 1200, 12),
        "json": _chunks(spec, 1200, 8),
        "numbers": _numbers(rng, 10),
    }
    for language, texts in WRITTEN.items():
        if language != "english":
            corpus[language] = list(texts)
    return corpus


def full_corpus() -> dict[str, list[str]]:
    rng = random.Random(7)
    import pydoc_data.topics

    stdlib = Path(sysconfig.get_paths()["stdlib"])
    code = "".join(path.read_text(encoding="utf-8") for path in sorted((stdlib / "json").glob("*.py")))
    code += "".join(path.read_text(encoding="utf-8") for path in sorted((stdlib / "asyncio").glob("*.py"))[:20])
    import yaml

    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    corpus: dict[str, list[str]] = {
        "english": _chunks("\n\n".join(pydoc_data.topics.topics.values()), 1500, 400),
        "code": _chunks(code, 1500, 400),
        "json": _chunks(json.dumps(spec), 1500, 300) + _chunks(json.dumps(spec, indent=2), 1500, 100),
        "numbers": _numbers(rng, 200),
    }
    for language in LANGUAGES:
        samples = _chunks(_catalog_text(language), 800, 200)
        if samples:
            corpus[language] = samples
    for language, texts in WRITTEN.items():
        corpus.setdefault(f"written-{language}", []).extend(texts)
    corpus["data-hex"] = ["".join(rng.choice("0123456789abcdef") for _ in range(800)) for _ in range(50)]
    corpus["data-uuid"] = [" ".join(str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(20)) for _ in range(50)]
    corpus["data-base64"] = [base64.b64encode(rng.randbytes(600)).decode() for _ in range(50)]
    corpus["data-emoji"] = ["".join(chr(rng.randrange(0x1F600, 0x1F650)) for _ in range(200)) for _ in range(20)]
    return corpus


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write-fixture", type=Path, default=None)
    args = parser.parse_args()
    encoders = {name: cached_encoding(name) for name in ENCODINGS}
    missing = [name for name, encoder in encoders.items() if encoder is None]
    if missing:
        print(f"tiktoken or the cached encoding file is missing for {missing}", file=sys.stderr)
        return 2
    corpus = shippable_corpus() if args.write_fixture else full_corpus()
    rows = []
    worst = {name: 9.0 for name in ENCODINGS}
    for category, samples in corpus.items():
        real = {
            name: [len(encoder.encode_ordinary(text)) for text in samples]
            for name, encoder in encoders.items()
            if encoder
        }
        rows.append(
            {
                "category": category,
                "samples": [
                    {"text": text, **{name: real[name][i] for name in ENCODINGS}} for i, text in enumerate(samples)
                ],
            }
        )
        cells = []
        for name in ENCODINGS:
            ratios = [rule_tokens(text, name) / count for text, count in zip(samples, real[name], strict=True) if count]
            total = sum(rule_tokens(text, name) for text in samples) / sum(real[name])
            if not category.startswith("data-"):
                worst[name] = min(worst[name], min(ratios))
            cells.append(f"{name}: min {min(ratios):.2f} median {statistics.median(ratios):.2f} sum {total:.2f}")
        print(f"{category:18s} n={len(samples):4d}  " + " | ".join(cells))
    print("worst text sample: " + ", ".join(f"{name} {value:.2f}" for name, value in worst.items()))
    if args.write_fixture:
        args.write_fixture.write_text(
            json.dumps({"encodings": [CL100K, O200K], "categories": rows}, ensure_ascii=False, indent=1) + "\n",
            encoding="utf-8",
        )
        print(f"wrote {args.write_fixture}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
