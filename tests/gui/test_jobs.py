"""The window's one controller of background jobs (gui/jobs.py): it makes, watches and stops every runner."""

from __future__ import annotations

import threading
import time

import pytest

from stabview.errors import StabviewError
from stabview.gui.jobs import Jobs
from stabview.gui.workers import Job


def held_job(name: str, started: threading.Event, ended: list, release: threading.Event | None = None) -> Job:
    """A job that runs until it is cancelled (or released), then says how it ended."""

    def work(job: Job):
        started.set()
        while not job.cancelled() and not (release is not None and release.is_set()):
            time.sleep(0.005)
        ended.append((name, job.cancelled()))
        if release is not None and release.is_set():
            raise StabviewError(f"{name} could not read the file")

    return Job(work, name=name)


def test_runner_names_are_unique_and_none_is_made_after_shutdown(qapp):
    jobs = Jobs()
    first = jobs.runner("loader")
    with pytest.raises(ValueError):
        jobs.runner("loader")
    assert jobs.runners() == [first] and jobs["loader"] is first
    assert jobs.shutdown(5000) and not first._thread.isRunning()
    with pytest.raises(RuntimeError):
        jobs.runner("late")


def test_closing_the_window_with_two_jobs_running_cancels_both_and_waits(window, qtbot):
    late = window.jobs.runner("made later")          # a runner made after the window was built
    started = [threading.Event(), threading.Event()]
    ended: list = []
    assert window.details_panel.runner.submit(held_job("details test", started[0], ended))
    assert late.submit(held_job("later job", started[1], ended))
    assert all(event.wait(10) for event in started)
    assert {"details", "made later"} <= set(window.jobs.busy_names())
    window.close_without_asking()
    # both jobs saw the cancel and returned before close did: their threads have ended
    assert sorted(ended) == [("details test", True), ("later job", True)]
    assert not any(runner._thread.isRunning() for runner in window.jobs.runners())
    assert window.settings.clean_exit


def test_a_failure_and_the_progress_reach_the_status_bar_through_the_controller(window, qtbot):
    runner = window.jobs.runner("probe")
    started, release, ended = threading.Event(), threading.Event(), []
    relayed = []
    window.jobs.jobFailed.connect(lambda *args: relayed.append(args))
    assert runner.submit(held_job("sweep", started, ended, release))
    qtbot.waitUntil(lambda: "probe" in window.status.running, timeout=5000)
    assert window.status.progress.isVisible()
    release.set()
    qtbot.waitUntil(lambda: window.status.failed is not None, timeout=10000)
    assert window.status.failed == ("probe", "sweep", "sweep could not read the file")
    assert relayed == [("probe", "sweep", "sweep could not read the file")]
    assert "probe" not in window.status.running
    # a failed sweep belongs to the More samples panel: the window shows it there and in the banner
    assert window.banner.message == "sweep could not read the file"
    assert window.docks["samples"].isVisible()


def test_quiet_runners_leave_the_status_bar_progress_alone(window, qtbot):
    started, ended = threading.Event(), []
    assert window.view_feed.preview.submit(held_job("preview", started, ended))
    assert started.wait(10)
    qtbot.wait(50)
    assert window.view_feed.preview.busy and "preview" not in window.status.running
    window.view_feed.preview.cancel()
    qtbot.waitUntil(lambda: not window.view_feed.preview.busy, timeout=5000)
