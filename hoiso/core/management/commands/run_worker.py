"""The background-task worker, with a heartbeat that /healthz reads."""

from __future__ import annotations

import os
import socket
import threading
import time
from typing import Any

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from hoiso.core.jobs import run_sweeps
from hoiso.core.models import WorkerHeartbeat

SWEEP_SECONDS = 300


def beat(name: str) -> None:
    WorkerHeartbeat.objects.update_or_create(worker=name, defaults={"seen_at": timezone.now()})


class Command(DbWorkerCommand):
    help = "Runs queued background tasks (django-tasks database backend) and reports a heartbeat."

    def handle(self, *args: Any, **options: Any) -> Any:
        name = f"{socket.gethostname()}:{os.getpid()}"
        stop = threading.Event()

        def loop() -> None:
            last_sweep = 0.0
            while not stop.is_set():
                try:
                    beat(name)
                    # Housekeeping (registered by the apps): at start, then every 5 minutes.
                    if time.monotonic() - last_sweep >= SWEEP_SECONDS or not last_sweep:
                        last_sweep = time.monotonic()
                        run_sweeps()
                finally:
                    close_old_connections()
                stop.wait(settings.WORKER_HEARTBEAT_SECONDS)

        thread = threading.Thread(target=loop, name="heartbeat", daemon=True)
        thread.start()
        try:
            return super().handle(*args, **options)
        finally:
            stop.set()
