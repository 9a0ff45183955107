"""Document ingest and OCR: throughput against Tesseract alone, documents per minute, memory.

    .venv/bin/python bench/_documents_ocr.py [--pages 12] [--dpi 300] [--docs 10000]
                                             [--workers 2] [--database-url URL] [--skip-ocr]
                                             [--skip-ingest]

Part of bench/documents.py (which runs it as a child process); runs alone too. Exits 0 whatever
the figures say.

**OCR throughput.** ``--pages`` one-page scanned PDFs (A4, ``--dpi``, a Vietnamese resolution
rendered with a Vietnamese font, each page's number different) are ingested through
``document_ingest`` (queued, as an upload does), then ``--workers`` real workers
(``manage.py run_worker --batch``, OMP_THREAD_LIMIT=1) process them all: sniff, text layer,
quality check, OCRmyPDF vie+eng into PDF/A, store, suggestions, index. Pages per minute from
the workers' start to the last one's exit. Baseline in the same run: ``tesseract PAGE.png out
-l vie+eng txt`` on the same page images, ``--workers`` at a time (OMP_THREAD_LIMIT=1).
Target: ≥ 90% of the baseline. "Cores used" is the CPU time of the workers and their children
over the wall time; "CPU seconds a page" compares the work itself (the workers' CPU, Django's
start-up included, against Tesseract's), which a loaded machine does not distort. A second
case: one ``--pages``-page document, one worker with DOCUMENTS_OCR_JOBS=2 (a long scan uses
both cores by itself). The workers' start-up (Django, the task backend) is measured
on an empty queue in the same run and shown subtracted too: a long-lived worker pays it once.

**Memory.** A sampler reads /proc every 0.1 s and sums the resident memory of each worker's
process tree (Python, OCRmyPDF's pool, Tesseract, pikepdf): the peak, divided by the pages that
worker had in flight at once (1 in the first case, 2 in the second). Target: < 1 GiB a page.

**Ingest.** ``--docs`` distinct text PDFs (100 different bodies made with fpdf2, each file made
unique by a trailing comment) are ingested with ``document_ingest`` (hash, store, queue), then
processed by ``--workers`` workers: documents per minute for each half and end to end. Baseline
in the same run: reading, hashing (SHA-256) and copying the same files and reading their text
with PDFium in one process (the floor of the work, no database).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _django import ROOT, describe_machine, fresh_database
from _report import NOTES, ROWS, Row, print_table, say

OCR_TARGET = 0.90
MEMORY_TARGET_MIB = 1024


# --- process-tree memory ------------------------------------------------------------------


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def _rss(pid: int) -> int:
    try:
        return int((Path("/proc") / str(pid) / "statm").read_text().split()[1]) * os.sysconf(
            "SC_PAGE_SIZE"
        )
    except (OSError, ValueError, IndexError):
        return 0


def tree_rss(pid: int, children: dict[int, list[int]]) -> int:
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        total += _rss(current)
        stack.extend(children.get(current, []))
    return total


class Sampler(threading.Thread):
    """Peak resident memory of each watched process tree, sampled every 0.1 s."""

    def __init__(self, pids: list[int]) -> None:
        super().__init__(daemon=True)
        self.pids = pids
        self.peak = dict.fromkeys(pids, 0)
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            children = _children_map()
            for pid in self.pids:
                self.peak[pid] = max(self.peak[pid], tree_rss(pid, children))
            self.stop.wait(0.1)


# --- workers ----------------------------------------------------------------------------------


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_workers(count: int, env_extra: dict[str, str]) -> tuple[float, float, list[int]]:
    """Start ``count`` batch workers, wait for them: (wall seconds, CPU seconds, peak RSS)."""
    env = {**os.environ, **env_extra}
    cpu_before = cpu_of_children()
    started = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, "manage.py", "run_worker", "--batch", "--no-startup-delay"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]
    sampler = Sampler([p.pid for p in procs])
    sampler.start()
    for proc in procs:
        proc.wait()
    wall = time.perf_counter() - started
    sampler.stop.set()
    sampler.join()
    return wall, cpu_of_children() - cpu_before, [sampler.peak[p.pid] for p in procs]


def tesseract_baseline(images: list[Path], workers: int, out: Path) -> tuple[float, float]:
    """Tesseract alone on the page images, ``workers`` at a time: (wall, CPU seconds)."""
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}

    def one(index_image: tuple[int, Path]) -> None:
        index, image = index_image
        subprocess.run(
            ["tesseract", str(image), str(out / f"t{index}"), "-l", "vie+eng", "txt"],
            env=env,
            check=True,
            capture_output=True,
        )

    cpu_before = cpu_of_children()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, enumerate(images)))
    return time.perf_counter() - started, cpu_of_children() - cpu_before


# --- corpus -----------------------------------------------------------------------------------


def page_lines(index: int) -> list[str]:
    from tests.documents import corpus

    # a full page: the heading, then the body repeated down to the foot of the page
    lines = list(corpus.RESOLUTION_LINES) + corpus.BODY * 12
    lines[1] = f"Số: {index + 1}-NQ/HPN"
    lines[2] = f"Thái Nguyên, ngày {index % 28 + 1:02d} tháng {index % 12 + 1} năm 2026"
    return lines


def text_pdf_bodies(count: int) -> list[bytes]:
    """``count`` different text PDFs (fpdf2, a Vietnamese font): a resolution's first page."""
    from fpdf import FPDF

    from tests.documents import corpus

    rng = random.Random(2026)
    words = " ".join(corpus.BODY).split()
    bodies = []
    for index in range(count):
        pdf = FPDF(format="A4")
        pdf.add_font("vn", fname=corpus.vietnamese_font_path())
        pdf.add_page()
        pdf.set_font("vn", size=12)
        lines = page_lines(index)[:8] + [" ".join(rng.choices(words, k=14)) for _ in range(30)]
        for line in lines:
            if line:
                pdf.cell(text=line, new_x="LMARGIN", new_y="NEXT")
            else:
                pdf.ln(6)
        bodies.append(bytes(pdf.output()))
    return bodies


def ingest_folder(paths: list[Path], unit: Any) -> float:
    from django.core.files import File
    from django.db import transaction

    from hoiso.documents.services.ingest import document_ingest

    started = time.perf_counter()
    for path in paths:
        with path.open("rb") as handle, transaction.atomic():
            result = document_ingest(
                actor=None, unit=unit, file=File(handle, name=path.name), filename=path.name
            )
            assert result.document is not None, result.warnings
    return time.perf_counter() - started


def states() -> dict[str, int]:
    from django.db.models import Count

    from hoiso.documents.models import Document

    return {
        row["state"]: row["n"]
        for row in Document.objects.values("state").annotate(n=Count("pk")).order_by()
    }


def reset_documents() -> None:
    from hoiso.documents.models import Document, DocumentVersion

    Document.objects.update(current_version=None)
    DocumentVersion.objects.all().delete()
    try:
        from hoiso.documents import search_index

        for pk in Document.objects.values_list("pk", flat=True):
            search_index.unindex_document(pk)
    except ImportError:
        pass
    Document.objects.all().delete()


def mib(value: float) -> str:
    return f"{value / 2**20:.0f} MiB"


# --- sections ---------------------------------------------------------------------------------


def bench_ocr(args: argparse.Namespace, unit: Any, work: Path) -> None:
    from tests.documents import corpus

    say(f"OCR: {args.pages} one-page scans at {args.dpi} dpi …")
    images, pdfs = [], []
    for index in range(args.pages):
        image = corpus.page_image(page_lines(index), dpi=args.dpi)
        png = work / f"page{index:03d}.png"
        image.save(png, dpi=(args.dpi, args.dpi))
        images.append(png)
        import img2pdf

        pdf = work / f"scan{index:03d}.pdf"
        pdf.write_bytes(bytes(img2pdf.convert(png.read_bytes())))
        pdfs.append(pdf)

    out = work / "tesseract"
    out.mkdir()
    base_wall, base_cpu = tesseract_baseline(images, args.workers, out)
    base_rate = args.pages / base_wall * 60

    # the workers' own start-up and exit on an empty queue: a long-lived worker pays it once
    idle_wall, idle_cpu, _ = run_workers(args.workers, {"OMP_THREAD_LIMIT": "1"})
    ingest_folder(pdfs, unit)
    wall, cpu, peaks = run_workers(args.workers, {"OMP_THREAD_LIMIT": "1"})
    done = states()
    rate = args.pages / wall * 60
    steady_rate = args.pages / max(wall - idle_wall, 1e-6) * 60
    verdict = "PASS" if rate >= OCR_TARGET * base_rate else "FAIL"
    ROWS.append(
        Row(
            f"OCR, {args.pages} one-page docs waiting, {args.workers} workers",
            f"{rate:.1f} pages/min",
            f"{base_rate:.1f} pages/min (tesseract ×{args.workers})",
            f"×{rate / base_rate:.2f}",
            f"≥ ×{OCR_TARGET:.2f}",
            verdict,
        )
    )
    ROWS.append(
        Row(
            "  cores used (CPU time / wall)",
            f"{cpu / wall:.2f}",
            f"{base_cpu / base_wall:.2f}",
            f"×{(cpu / wall) / (base_cpu / base_wall):.2f}",
            "-",
            "-",
        )
    )
    ROWS.append(
        Row(
            "  the same without the workers' start-up",
            f"{steady_rate:.1f} pages/min",
            f"{base_rate:.1f} pages/min",
            f"×{steady_rate / base_rate:.2f}",
            f"≥ ×{OCR_TARGET:.2f}",
            "PASS" if steady_rate >= OCR_TARGET * base_rate else "FAIL",
        )
    )
    ROWS.append(
        Row(
            "  CPU seconds a page, without start-up",
            f"{(cpu - idle_cpu) / args.pages:.2f} s",
            f"{base_cpu / args.pages:.2f} s",
            f"×{(cpu - idle_cpu) / base_cpu:.2f}",
            f"≤ ×{1 / OCR_TARGET:.2f}",
            "PASS" if cpu - idle_cpu <= base_cpu / OCR_TARGET else "FAIL",
        )
    )
    NOTES.append(
        f"workers' start-up and exit on an empty queue: {idle_wall:.1f} s, CPU {idle_cpu:.1f} s"
    )
    ROWS.append(
        Row(
            "  CPU seconds a page (load-independent)",
            f"{cpu / args.pages:.2f} s",
            f"{base_cpu / args.pages:.2f} s",
            f"×{cpu / base_cpu:.2f}",
            f"≤ ×{1 / OCR_TARGET:.2f}",
            "PASS" if cpu <= base_cpu / OCR_TARGET else "FAIL",
        )
    )
    peak = max(peaks)
    ROWS.append(
        Row(
            "  peak RSS of a worker's tree, 1 page in flight",
            mib(peak),
            "-",
            "-",
            f"< {MEMORY_TARGET_MIB} MiB",
            "PASS" if peak < MEMORY_TARGET_MIB * 2**20 else "FAIL",
        )
    )
    NOTES.append(f"OCR run states: {done}")

    # one long document, one worker, both cores through OCRmyPDF's own pool
    reset_documents()
    long_pdf = work / "long.pdf"
    long_pdf.write_bytes(bytes(img2pdf.convert([p.read_bytes() for p in images])))
    ingest_folder([long_pdf], unit)
    wall2, cpu2, peaks2 = run_workers(1, {"DOCUMENTS_OCR_JOBS": "2"})
    rate2 = args.pages / wall2 * 60
    ROWS.append(
        Row(
            f"OCR, one {args.pages}-page doc, 1 worker, jobs=2",
            f"{rate2:.1f} pages/min",
            f"{base_rate:.1f} pages/min",
            f"×{rate2 / base_rate:.2f}",
            "-",
            "-",
        )
    )
    ROWS.append(Row("  cores used", f"{cpu2 / wall2:.2f}", "-", "-", "-", "-"))
    ROWS.append(
        Row(
            "  peak RSS of the worker's tree / page in flight",
            f"{mib(peaks2[0])} / 2 = {mib(peaks2[0] / 2)}",
            "-",
            "-",
            f"< {MEMORY_TARGET_MIB} MiB",
            "PASS" if peaks2[0] / 2 < MEMORY_TARGET_MIB * 2**20 else "FAIL",
        )
    )
    NOTES.append(f"long document states: {states()}")
    reset_documents()


def bench_ingest(args: argparse.Namespace, unit: Any, work: Path) -> None:
    import pypdfium2 as pdfium

    say(f"Ingest: making {args.docs} text PDFs …")
    folder = work / "pdfs"
    folder.mkdir()
    bodies = text_pdf_bodies(min(100, args.docs))
    paths = []
    for index in range(args.docs):
        path = folder / f"vb{index:05d}.pdf"
        path.write_bytes(bodies[index % len(bodies)] + f"\n% copy {index}\n".encode())
        paths.append(path)

    # the floor: read, hash, copy, PDFium text, one process, no database
    copies = work / "copies"
    copies.mkdir()
    started = time.perf_counter()
    for path in paths:
        data = path.read_bytes()
        hashlib.sha256(data).hexdigest()
        shutil.copyfile(path, copies / path.name)
        pdf = pdfium.PdfDocument(str(path))
        for page in pdf:
            page.get_textpage().get_text_bounded()
        pdf.close()
    base = time.perf_counter() - started
    base_rate = args.docs / base * 60

    say("Ingest: document_ingest …")
    ingest_wall = ingest_folder(paths, unit)
    say(f"Ingest: {args.workers} workers process …")
    work_wall, cpu, _peaks = run_workers(args.workers, {"OMP_THREAD_LIMIT": "1"})
    done = states()
    total = ingest_wall + work_wall
    for figure, wall in (
        ("ingest (hash, store, queue), 1 process", ingest_wall),
        (f"processing (text, check, suggest, index), {args.workers} workers", work_wall),
        ("end to end", total),
    ):
        rate = args.docs / wall * 60
        ROWS.append(
            Row(
                f"{args.docs} text PDFs: {figure}",
                f"{rate:,.0f} docs/min",
                f"{base_rate:,.0f} docs/min (hash+copy+text)",
                f"×{rate / base_rate:.2f}",
                "report",
                "-",
            )
        )
    ROWS.append(Row("  workers' cores used", f"{cpu / work_wall:.2f}", "-", "-", "-", "-"))
    NOTES.append(f"ingest states: {done}")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pages", type=int, default=12, help="scanned pages for the OCR figures")
    parser.add_argument("--dpi", type=int, default=300)
    parser.add_argument("--docs", type=int, default=10_000, help="text PDFs for the ingest figure")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", default="", help="postgres://… (default: new SQLite)")
    parser.add_argument("--skip-ocr", action="store_true")
    parser.add_argument("--skip-ingest", action="store_true")


def run(args: argparse.Namespace) -> int:
    load_before = os.getloadavg()
    db = fresh_database(args.database_url or None)
    work = Path(tempfile.mkdtemp(prefix="hoiso-bench-docs-"))
    try:
        from hoiso.org import services as org_services
        from hoiso.org.models import Level

        unit = org_services.unit_create(
            actor=None,
            code="TN",
            name="Hội LHPN tỉnh Thái Nguyên",
            level=Level.objects.get(code="tinh"),
            parent=None,
            valid_from=__import__("datetime").date(2020, 1, 1),
        )
        if not args.skip_ocr:
            bench_ocr(args, unit, work)
        if not args.skip_ingest:
            bench_ingest(args, unit, work)
        load_after = os.getloadavg()
        say("")
        say(f"Documents: ingest and OCR — {db.label}, {describe_machine()}")
        say(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (1 min)")
        print_table()
        for note in NOTES:
            say(f"- {note}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
        db.drop()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
