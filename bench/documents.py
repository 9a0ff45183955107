"""The document archive's benchmarks, section by section (each in its own process and database).

    .venv/bin/python bench/documents.py [--only ocr,ingest,search] [--database-url URL]
                                        [--pages 12] [--dpi 300] [--docs 10000] [--workers 2]
                                        [--documents 100000]

Sections:

- ``ocr``: OCR throughput against Tesseract alone on the same pages, cores used, peak memory
  of a worker per page in flight (bench/_documents_ocr.py);
- ``ingest``: ``--docs`` text PDFs through ingest and the workers, documents per minute (idem);
- ``search``: folded two-word queries over ``--documents`` documents, index build memory
  (bench/_documents_search.py, when it is there).

Each section prints its own table with its baseline measured in the same run. Exits 0 whatever
the figures say.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SECTIONS = ["ocr", "ingest", "search"]


def section_command(name: str, args: argparse.Namespace) -> list[str] | None:
    common = ["--database-url", args.database_url] if args.database_url else []
    if name in ("ocr", "ingest"):
        skip = "--skip-ingest" if name == "ocr" else "--skip-ocr"
        return [
            sys.executable,
            str(HERE / "_documents_ocr.py"),
            skip,
            "--pages",
            str(args.pages),
            "--dpi",
            str(args.dpi),
            "--docs",
            str(args.docs),
            "--workers",
            str(args.workers),
            *common,
        ]
    if name == "search":
        script = HERE / "_documents_search.py"
        if not script.is_file():
            print("search: bench/_documents_search.py is not there; skipped", flush=True)
            return None
        return [sys.executable, str(script), "--documents", str(args.documents), *common]
    raise SystemExit(f"unknown section {name!r} (known: {', '.join(SECTIONS)})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections")
    parser.add_argument("--database-url", default="", help="postgres://… (default: new SQLite)")
    parser.add_argument("--pages", type=int, default=12)
    parser.add_argument("--dpi", type=int, default=300)
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--documents", type=int, default=100_000)
    args = parser.parse_args(argv)
    for name in [s.strip() for s in args.only.split(",") if s.strip()]:
        command = section_command(name, args)
        if command is None:
            continue
        print(f"== documents: {name}", flush=True)
        subprocess.run(command, check=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
