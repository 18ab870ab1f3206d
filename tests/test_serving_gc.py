"""A server worker settles its garbage collector once it has built the application (see
accord/gcpause.py): the start's heap frozen, the young generations collected less often."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile


def test_a_worker_freezes_its_start_and_raises_the_thresholds() -> None:
    # in a process of its own: a frozen heap is for long-lived servers, not the test run
    code = (
        "import gc, os\n"
        "os.environ.setdefault('ACCORD_DATA_DIR', os.environ['TMP_DIR'])\n"
        "from accord.web.app import app_from_environment\n"
        "assert gc.get_freeze_count() == 0\n"
        "app_from_environment()\n"
        "from accord.gcpause import SERVING_THRESHOLDS\n"
        "print(gc.get_freeze_count() > 10000, gc.get_threshold() == SERVING_THRESHOLDS)\n"
    )
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            env={**os.environ, "TMP_DIR": tmp, "ACCORD_DATABASE_URL": ""},
            timeout=120,
        )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True"]
