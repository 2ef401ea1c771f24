"""Time the "closest passage" hint of a quote that is not found, against a large archived text.

    python -m benchmarks.hint [--megabytes 1] [--quotes 20] [--repeat 3]

Writes a content folder with one source whose archived text is about ``--megabytes`` MB
of deterministic pseudo-prose (a Zipf-like vocabulary with English function words, so
that short runs such as "of the" stand thousands of times) and one actor citing it with
``--quotes`` long quotes (``--words`` words, 120 by default) that are not in the text: a quote with one word
changed, one with a word changed every few words, one with a straight apostrophe where
the text has a curly one, one of words that all stand in the text but not together, and
one from another text (where no two words of the quote stand together, only function words).
It then times ``briefgen check`` on it in this process (after one uncounted run) and
prints the median, and how many quotes got which hint. :func:`write_project` is also
what ``tests/test_link.py`` checks (for the hints, not the time).
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

FUNCTION_WORDS = ("the", "of", "and", "to", "in", "a", "on", "for", "with", "said", "that", "at", "by", "was")
ONSETS = ("b", "d", "f", "g", "k", "l", "m", "n", "r", "s", "t", "v", "z", "sh", "kh", "dr", "tr", "gr")
VOWELS = ("a", "e", "i", "o", "u", "ai", "ou")
CODAS = ("", "n", "r", "sh", "k", "m", "st", "l")

SOURCE = """\
name: Long Report
title: A long report
type: report
publisher: unknown
author: unknown
date: 2020-01-01
reliability: C
"""


@dataclass(frozen=True, slots=True)
class Quote:
    """A failing quote and the passage of the text it was made from."""

    kind: str
    """``one-word``, ``every-fourth``, ``apostrophe``, ``scattered`` or ``elsewhere``."""
    quote: str
    passage: str


def _vocabulary(rng: random.Random, size: int) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        syllables = rng.randint(1, 3)
        words.add("".join(rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS) for _ in range(syllables)))
    return sorted(words)


def long_text(megabytes: float = 1.0, seed: int = 1) -> str:
    """Paragraphs of 150 to 400 words, about ``megabytes`` MB in all."""
    rng = random.Random(seed)
    vocabulary = _vocabulary(rng, 6000)
    cum_weights = list(itertools.accumulate(1 / (rank + 10) for rank in range(len(vocabulary))))
    paragraphs: list[str] = []
    size = 0
    while size < megabytes * 1_000_000:
        words = []
        for _ in range(rng.randint(150, 400)):
            common = rng.random() < 0.35
            words.append(rng.choice(FUNCTION_WORDS) if common else rng.choices(vocabulary, cum_weights=cum_weights)[0])
            if rng.random() < 0.03:
                words.append("don’t")
        sentences = " ".join(words).replace(" the ", ". The ", 3)
        paragraph = sentences[0].upper() + sentences[1:] + "."
        paragraphs.append(paragraph)
        size += len(paragraph) + 2
    return "\n\n".join(paragraphs) + "\n"


def failing_quotes(text: str, count: int = 20, seed: int = 1, length: int = 120) -> list[Quote]:
    """``count`` quotes of ``length`` words from one paragraph, none of which stands in ``text``: five kinds in turn."""
    rng = random.Random(seed)
    paragraphs = [p.split() for p in text.split("\n\n")]
    paragraphs = [p for p in paragraphs if len(p) >= length + 10 and "don’t" in p]
    everywhere = text.split()
    out: list[Quote] = []
    kinds = ("one-word", "every-fourth", "apostrophe", "scattered", "elsewhere")
    other = long_text(0.05, seed + 1).split()  # another vocabulary: few of its words stand in ``text``
    while len(out) < count:
        kind = kinds[len(out) % len(kinds)]
        words = rng.choice(paragraphs)
        if kind == "apostrophe":
            at = words.index("don’t")
            start = max(0, min(at - length // 2, len(words) - length))
        else:
            start = rng.randrange(0, len(words) - length)
        passage = words[start : start + length]
        quote = list(passage)
        if kind == "one-word":
            quote[length // 2] = "qwxz"
        elif kind == "every-fourth":
            quote[::4] = ["qwxz"] * len(quote[::4])
        elif kind == "apostrophe":
            quote = [w.replace("’", "'") for w in quote]
        elif kind == "scattered":
            quote = [rng.choice(everywhere) for _ in range(length)]
        else:
            quote = [rng.choice(other) for _ in range(length)]
        out.append(Quote(kind, " ".join(quote), " ".join(passage)))
    return out


def write_project(out: Path, megabytes: float = 1.0, count: int = 20, length: int = 120, seed: int = 1) -> list[Quote]:
    """Write ``out/content`` (one source, its long text, one actor with the failing quotes); the quotes."""
    text = long_text(megabytes, seed)
    found = failing_quotes(text, count, seed, length)
    sources, actors = out / "content" / "sources", out / "content" / "actors"
    sources.mkdir(parents=True, exist_ok=True)
    actors.mkdir(parents=True, exist_ok=True)
    (sources / "long-report.yaml").write_text(SOURCE, encoding="utf-8")
    (sources / "long-report.txt").write_text(text, encoding="utf-8")
    mentions = "".join(f"  - source: long-report\n    quote: \"{q.quote}\"\n    credibility: 3\n" for q in found)
    (actors / "aldoria.yaml").write_text(f"name: Aldoria\ntype: state\nmentions:\n{mentions}", encoding="utf-8")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.hint", description=__doc__.split("\n\n")[0])
    parser.add_argument("--megabytes", type=float, default=1.0)
    parser.add_argument("--quotes", type=int, default=20)
    parser.add_argument("--words", type=int, default=120, help="words per quote")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=Path(__file__).resolve().parent / ".work")
    args = parser.parse_args(argv)
    from briefgen.check import quotes
    from briefgen.check.pipeline import check

    work = args.workdir.resolve() / f"hint-{args.megabytes}mb-{args.quotes}q-{args.words}w"
    write_project(work, args.megabytes, args.quotes, args.words, args.seed)
    times, result = [], None
    for round_ in range(args.repeat + 1):
        for cached in (getattr(quotes, name) for name in dir(quotes)):
            if hasattr(cached, "cache_clear"):
                cached.cache_clear()  # every round pays for indexing the text, as one check run does
        began = time.perf_counter()
        result = check(work / "content")
        if round_:
            times.append(time.perf_counter() - began)
    assert result is not None
    hints: dict[str, int] = {}
    for diagnostic in result.diagnostics:
        key = (diagnostic.hint or "no hint").split(":")[0]
        hints[key] = hints.get(key, 0) + 1
    size = (work / "content" / "sources" / "long-report.txt").stat().st_size
    print(f"{args.quotes} failing quotes of {args.words} words against {size / 1e6:.2f} MB: "
          f"median {statistics.median(times):.2f} s over {len(times)} runs ({', '.join(f'{t:.2f}' for t in times)}); "
          f"hints: {hints}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
