"""How often each metadata suggestion is right, on the corpus of first pages.

    .venv/bin/python bench/documents_suggest.py [--count 72] [--misses FIELD]

The corpus (tests/documents/suggest_corpus.py) is built: issuers, types, number and date
formats and three layouts, with a seeded share of OCR slips, plus hand-written pages and a
held-out set written after the rules were tuned. For each field it prints the share right
(folded comparison: OCR loses marks that no rule can restore), the share right to the letter,
and the share suggested at all; then the time per page beside the baseline of folding the same
text once (the unavoidable part). Accuracy here is not a timing: tests/documents/
test_suggest_corpus.py asserts floors on the same corpus. Exits 0 whatever the figures say.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=72, help="generated pages")
    parser.add_argument("--misses", default="", help="print the pages a field got wrong")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from hoiso.core.vietnamese import _fold
    from hoiso.documents.suggest import suggest_metadata
    from tests.documents.suggest_corpus import HELD_OUT, build_cases, normalise, score

    sets = {"corpus": build_cases(args.count), "held out": HELD_OUT}
    for label, cases in sets.items():
        slipped = sum(1 for c in cases if c.slips)
        print(f"\n{label}: {len(cases)} pages ({slipped} with OCR slips)")
        print(f"{'field':<16} {'right':>7} {'exact':>7} {'given':>7}")
        for name, s in score(cases, suggest_metadata).items():
            print(f"{name:<16} {s['right']:>7.1%} {s['exact']:>7.1%} {s['given']:>7.1%}")
        if args.misses:
            for case in cases:
                got = suggest_metadata(case.text).get(args.misses)
                if normalise(args.misses, got) != normalise(args.misses, case.truth[args.misses]):
                    print(f"  miss {case.name} {case.slips}: {got!r} != "
                          f"{case.truth[args.misses]!r}")  # fmt: skip
    texts = [c.text for c in sets["corpus"]] * 20
    _fold.cache_clear()
    start = time.perf_counter()
    for text in texts:
        suggest_metadata(text)
    took = (time.perf_counter() - start) / len(texts) * 1000
    _fold.cache_clear()
    start = time.perf_counter()
    for text in texts:
        _fold(text)
    base = (time.perf_counter() - start) / len(texts) * 1000
    print(f"\nper page: {took:.2f} ms (baseline: folding the page once {base:.3f} ms)")


if __name__ == "__main__":
    main()
