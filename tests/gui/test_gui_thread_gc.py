"""Garbage cycles are collected in the GUI thread only while a window is open: collected in a
worker, a cycle holding a Qt object is destroyed there and can deadlock with the GUI thread."""

import gc
import threading

from stabview.gui import gui_thread_gc


class Cycle:
    """Refers to itself, so only the cyclic collector frees it; says in which thread."""

    def __init__(self, seen: list):
        self.me, self.seen = self, seen

    def __del__(self):
        self.seen.append(threading.current_thread() is threading.main_thread())


def test_a_worker_thread_never_collects_while_a_window_is_open(make_window, qtbot):
    make_window()
    assert not gc.isenabled()
    seen = []

    def churn():
        Cycle(seen)
        junk = [[[] for _ in range(4)] for _ in range(50_000)]   # enough to fill generation 0 many times
        del junk

    worker = threading.Thread(target=churn)
    worker.start()
    worker.join()
    assert seen == []                                            # not freed in the worker
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)               # the GUI thread's timer frees it
    assert seen == [True]


def test_the_last_release_turns_automatic_collection_back_on(qapp):
    assert gui_thread_gc.held() and not gc.isenabled()          # the tests' own hold
    gui_thread_gc.hold()
    gui_thread_gc.release()
    assert gui_thread_gc.held() and not gc.isenabled()
    gui_thread_gc.release()
    try:
        assert not gui_thread_gc.held() and gc.isenabled()
    finally:
        gui_thread_gc.hold()


def test_a_closed_window_lets_go(make_window):
    window = make_window()
    window.close_without_asking()
    gui_thread_gc.release()                                      # the tests' own hold
    try:
        assert gc.isenabled()
    finally:
        gui_thread_gc.hold()
