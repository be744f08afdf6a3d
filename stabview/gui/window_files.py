"""The main window's files: sessions (save, open, autosave, the unsaved-changes question),
studies (a table of cases; one opens in the window), drops and recent files, and export (the report, also while an attack runs, and the arrays).

A mixin of `MainWindow`: it uses the window's model, workbench, attack and panels.
"""

from __future__ import annotations

import os

from PySide6.QtWidgets import QFileDialog, QMessageBox

from ..errors import StabviewError
from ..experiment import Session, autosave_path
from . import menus, session_io, window_reports
from .files import file_kind
from .workers import Job

SESSION_FILTER = "stabview session (*.json)"


class WindowFiles:
    """Sessions, drops, recent files and export for `MainWindow`."""

    # --- files ---------------------------------------------------------------------------------------
    def open_dropped(self, path: str) -> None:
        """A dropped model file opens as a network, a session file as a session, else an image."""
        kind = file_kind(path)
        if kind == "model":
            self.network_panel.open_model(path)
        elif kind == "session":
            self.open_session(path)
        elif path.lower().endswith(".json"):
            self.show_error("image", f"{os.path.basename(path)} is not a stabview session (a model card "
                                     "opens with its model file: drop the model)")
        else:                        # an image, or a file the image readers will judge
            self.image_panel.open_image(path)

    def fill_recent_menu(self) -> None:
        menus.fill_recent(self.recent_menu, self.settings)

    def open_recent(self, action) -> None:
        data = action.data()
        if not data:
            return
        kind, path = data
        if kind == "image":
            self.image_panel.open_image(path)
        elif kind == "model":
            self.network_panel.open_model(path)
        else:
            self.open_session(path)

    def save_current(self) -> bool:
        """File ▸ Save: into the session's file, or ask for one the first time."""
        if self.session_path:
            return bool(self.save_session(self.session_path))
        return self.save_session_dialog()

    def save_session_dialog(self) -> bool:
        path, _ = QFileDialog.getSaveFileName(self, "Save session", self.session_path or "session.json",
                                              SESSION_FILTER)
        return bool(path) and bool(self.save_session(path))

    def save_session(self, path: str) -> str:
        """Write the session (JSON + NPZ); '' and an error shown when it cannot be written."""
        try:
            saved = session_io.capture(self).save(path)
        except (OSError, StabviewError) as exc:
            self.show_error(None, f"the session could not be saved: {exc}")
            return ""
        self.settings.add_recent("session", str(saved))
        self.session_path = str(saved)
        self.model.mark_saved()
        self._title()
        self.show_message(f"saved {saved}")
        return str(saved)

    def ask_unsaved(self) -> str:
        """'save', 'discard' or 'cancel' (tests replace this method to answer without a dialog)."""
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self, "Unsaved changes", f"Save the changes to {self.session_name}?",
            buttons.Save | buttons.Discard | buttons.Cancel, buttons.Save)
        return {buttons.Save: "save", buttons.Discard: "discard"}.get(answer, "cancel")

    def may_discard(self) -> bool:
        """True when the current work may be replaced: saved, or the user said so."""
        if not self.model.modified:
            return True
        answer = self.ask_unsaved()
        if answer == "save":
            return self.save_current()
        return answer == "discard"

    def open_session_dialog(self) -> None:
        if not self.may_discard():
            return
        path, _ = QFileDialog.getOpenFileName(self, "Open session", "", SESSION_FILTER)
        if path:
            self.open_session(path, asked=True)

    def open_session(self, path: str, *, asked: bool = False) -> bool:
        """Read the session in the background, then restore it; False when nothing started."""
        if not asked and not self.may_discard():
            return False

        def work(job: Job) -> Session:
            return Session.open(path)

        def opened(session: Session) -> None:
            self.settings.add_recent("session", path)
            self.restoring = session_io.Restorer(self, session, path)
            self.restoring.start()

        self.show_message(f"opening {os.path.basename(path)} …")
        return self.session_loader.submit(Job(work, on_done=opened, on_error=lambda text: self.show_error(None, text),
                                              name="open session"))

    def session_restored(self, path: str | None) -> None:
        self.model.clear_history()
        if path and os.path.abspath(path) != os.path.abspath(str(autosave_path())):
            self.session_path = path
            self.model.mark_saved()
        else:
            self.model.mark_modified()            # an autosave: not saved anywhere yet
        self._title()
        self.show_message("session restored")

    def open_study_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a study folder (written by stabview study run)")
        if folder:
            self.open_study(folder)

    def open_study(self, folder: str):
        """Show the study's cases in a table; choosing one opens it here. None if unreadable."""
        from ..study.errors import StudyError
        from .study_table import StudyTableDialog
        try:
            dialog = StudyTableDialog(folder, self)
        except StudyError as exc:
            self.show_error(None, str(exc))
            return None
        dialog.caseChosen.connect(lambda row: self.open_study_case(dialog, row))
        dialog.show()
        self.study_dialog = dialog
        return dialog

    def open_study_case(self, dialog, row) -> None:
        """Put a study case's network, image, rate, budget and kept r into the window."""
        from ..study.errors import StudyError
        from .study_cases import StudyCaseOpener
        try:
            arrays = dialog.arrays(row)
        except StudyError as exc:
            self.show_error(None, str(exc))
            arrays = {}
        self.study_case = StudyCaseOpener(self, row, arrays)
        self.study_case.start()

    def autosave(self, wait: bool = False) -> None:
        """Write the autosave file if anything changed since the last one (in a thread; `wait`
        blocks until it is on disk, for closing: a tick's write still going is finished first, so
        the last state is not refused as 'busy')."""
        if wait:
            self._saver.wait()
        error = self._saver.take_error()
        if error:
            self._unsaved = True
            self.show_error(None, f"autosave failed: {error}")
        if self._unsaved and self._saver.save(session_io.capture(self), autosave_path()):
            self._unsaved = False
        if wait:
            self._saver.wait()
            if self._saver.take_error():
                self._unsaved = True

    def _dirty(self, *args) -> None:
        self._unsaved = True

    def export_figure_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export figure and result.json into")
        if folder:
            self.export_figure(folder)

    def export_figure(self, folder: str) -> bool:
        """Write the report; while the attack runs it pauses, the current state is exported, and
        the attack resumes."""
        if self.attack.state == "running" and self.attack.runner.busy:
            self._export_waiting = folder
            self.attack.pause()
            self.show_message(f"pausing the attack to export its current state into {folder} …")
            return True
        try:
            started = window_reports.export_report(self.attack, folder, self._exported, self._export_failed)
        except StabviewError as exc:
            self._resume_after_export = False
            self.show_error("attack", str(exc))
            return False
        if started:
            iteration = self.attack.search.iteration
            self.show_message(f"exporting the attack at iteration {iteration} into {folder} …"
                              + (" (it resumes afterwards)" if self._resume_after_export else ""))
        return started

    def _exported(self, paths) -> None:
        self.last_export = paths
        text = "wrote " + ", ".join(os.path.basename(p) for p in paths)
        if self._resume_after_export:
            self._resume_after_export = False
            self.attack.run()
            text += f" (the state at iteration {self.attack.search.iteration}); the attack resumed"
        self.show_message(text)

    def _export_failed(self, message: str) -> None:
        self._resume_after_export = False
        self.show_error("attack", f"export failed: {message}")

    def export_arrays_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export arrays", "arrays.npz", "NumPy arrays (*.npz)")
        if path:
            saved = window_reports.export_arrays(path, self.viewers, self.workbench)
            self.show_message(f"wrote {saved}")
