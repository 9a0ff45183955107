"""Worker housekeeping: apps register sweeps, the worker runs them, one failure stops none."""

from __future__ import annotations

from hoiso.core import jobs


def test_documents_register_their_requeue_sweep():
    from hoiso.documents.tasks import requeue_stuck

    assert requeue_stuck in jobs._SWEEPS


def test_a_failing_sweep_does_not_stop_the_others(monkeypatch):
    calls: list[str] = []

    def broken() -> None:
        calls.append("broken")
        raise RuntimeError("boom")

    def fine() -> None:
        calls.append("fine")

    monkeypatch.setattr(jobs, "_SWEEPS", [])
    jobs.register_sweep(broken)
    jobs.register_sweep(fine)
    jobs.register_sweep(fine)  # registered once
    jobs.run_sweeps()
    assert calls == ["broken", "fine"]
