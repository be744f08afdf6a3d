"""Test-wide settings: one torch thread (a busy 2-core box runs 5–15× slower with two), Qt offscreen."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import torch  # noqa: E402

torch.set_num_threads(int(os.environ.get("STABVIEW_TEST_THREADS", "1")))
print(f"torch threads for tests: {torch.get_num_threads()}")
