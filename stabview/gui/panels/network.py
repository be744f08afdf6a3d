"""Network panel: the zoo with each card's facts, and "Open model…" for a user's file + card.

A user's file that loaded is inspected in the background (`networks.inspection`, as
`stabview inspect` prints it: format, layers or ONNX operators, parameters, the card's facts,
a timed probe, the output's range, problems) and only then joins File ▸ Open Recent.
"""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (QFileDialog, QLabel, QListWidget, QListWidgetItem, QPlainTextEdit, QProgressBar,
                               QPushButton, QVBoxLayout, QWidget)

from ...errors import StabviewError
from ...experiment import NetworkRef
from ..workers import Job
from .common import ProblemLabel

MODEL_FILTER = "Model files (*.safetensors *.pt *.pth *.onnx *.ts *.zip);;All files (*)"
CARD_FILTER = "Model card (*.json)"


def card_summary(card) -> str:
    """One line for the zoo list: modality, trained sampling, held-out PSNR."""
    psnr = f", PSNR {card.psnr_network:.1f} dB" if card.psnr_network is not None else ""
    return f"{card.name} — {card.modality}, {card.mask['kind']} {card.rate:.0%}{psnr}"


def card_facts(card) -> str:
    """The card as a few lines of rich text."""
    rows = [("modality", card.modality), ("image", f"{card.image_shape[0]}×{card.image_shape[1]}"),
            ("trained sampling", f"{card.mask['kind']}, {card.rate:.1%}"),
            ("other rates", "yes" if card.accepts_other_rates else "no (fixed mask)"),
            ("architecture", card.architecture)]
    if card.psnr_network is not None:
        linear = f" (linear input {card.psnr_input:.1f} dB)" if card.psnr_input is not None else ""
        rows.append(("held-out PSNR", f"{card.psnr_network:.1f} dB{linear}"))
    text = "".join(f"<tr><td><b>{k}</b>&nbsp;</td><td>{v}</td></tr>" for k, v in rows)
    return f"<table>{text}</table>"


class NetworkPanel(QWidget):
    """Lists the shipped networks; selecting one loads it in the background."""

    def __init__(self, workbench, jobs, parent: QWidget | None = None):
        super().__init__(parent)
        self.workbench = workbench
        self.zoo_list = QListWidget()
        self.zoo_list.setStatusTip("Shipped networks: click one to load it")
        self.zoo_list.itemActivated.connect(self._chosen)
        self.zoo_list.itemClicked.connect(self._chosen)
        self.zoo_list.setWordWrap(True)
        self.zoo_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.zoo_list.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.empty_note = QLabel()
        self.empty_note.setWordWrap(True)
        self.facts = QLabel()
        self.facts.setWordWrap(True)
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.open_button = QPushButton("Open model…")
        self.open_button.setStatusTip("Load your own network: a TorchScript, ONNX or safetensors file with its card")
        self.open_button.clicked.connect(self.open_model_dialog)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumHeight(10)
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.problem = ProblemLabel()
        self.inspection = QPlainTextEdit()
        self.inspection.setReadOnly(True)
        self.inspection.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.inspection.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.inspection.setStatusTip("What the opened model file is and whether its card fits it "
                                     "(the report of `stabview inspect`)")
        self.inspection.setMaximumHeight(220)
        self.inspection.hide()
        self.report = None               # the last Inspection of a user's file
        self._opening: str | None = None  # a user's file asked for, not loaded yet
        self.inspector = jobs.runner("inspect")
        layout = QVBoxLayout(self)
        for w in (self.zoo_list, self.empty_note, self.open_button, self.busy, self.facts, self.problem,
                  self.inspection):
            layout.addWidget(w)
        layout.addStretch(1)
        workbench.networkChanged.connect(self._network_changed)
        workbench.problem.connect(self._problem)
        workbench.loader.busyChanged.connect(self.busy.setVisible)
        self.refresh()

    def refresh(self) -> None:
        """Re-read the zoo (networks may have been added since the window opened)."""
        from ...networks import zoo
        self.zoo_list.clear()
        try:
            cards = zoo.cards()
        except StabviewError as exc:
            cards = {}
            self.problem.show_problem(f"the zoo could not be read: {exc}")
        for name, card in cards.items():
            item = QListWidgetItem(card_summary(card))
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setToolTip(card.notes or card.data or name)
            self.zoo_list.addItem(item)
        self.empty_note.setText("" if cards else
                                "No networks are shipped in this installation yet. Open a model file "
                                "with its card (File ▸ Open model…).")
        self.empty_note.setVisible(not cards)
        self.zoo_list.setVisible(bool(cards))
        self.fit_list()

    def fit_list(self) -> None:
        """As tall as its entries (wrapped at the current width): the whole zoo is always visible."""
        items = self.zoo_list
        items.doItemsLayout()
        rows = sum(items.visualItemRect(items.item(i)).height() for i in range(items.count()))
        spacing = 2 * items.spacing() * items.count()
        height = rows + spacing + 2 * items.frameWidth() + 2
        if height != items.height():
            items.setFixedHeight(height)

    def showEvent(self, event):
        super().showEvent(event)
        self.fit_list()

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self.fit_list()          # wrapping changes with the width

    def _chosen(self, item: QListWidgetItem) -> None:
        name = item.data(Qt.ItemDataRole.UserRole)
        if self.workbench.net is not None and self.workbench.shown_network == NetworkRef(name=name):
            return
        self.workbench.load_network(name)

    def open_model_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open model", "", MODEL_FILTER)
        if path:
            self.open_model(path)

    def open_model(self, path: str, card: str | None = None) -> None:
        """Load a model file; without a card beside it, ask for one."""
        stem = os.path.splitext(path)[0]
        beside = [stem + ".json", path + ".json", os.path.join(os.path.dirname(path), "card.json")]
        if card is None and not any(os.path.exists(p) for p in beside):
            card, _ = QFileDialog.getOpenFileName(self, "Model card for " + os.path.basename(path),
                                                  os.path.dirname(path), CARD_FILTER)
            if not card:
                self.problem.show_problem(f"{os.path.basename(path)} needs a model card (JSON): "
                                          "see docs/own-network.md")
                return
        self._opening = os.path.abspath(path)      # joins Open Recent once it has loaded
        if not self.workbench.load_network(path, card):
            self._opening = None

    def _network_changed(self) -> None:
        net = self.workbench.net
        source = self.workbench.shown_network or NetworkRef(name="")
        if self._opening is not None and source.path == self._opening:
            self._opening = None
            self.workbench.settings.add_recent("model", source.path)
            self.inspect(source.path, source.card)
        elif source.path is None:
            self.inspection.hide()
        self.facts.setText(card_facts(net.card) if net is not None else "")
        self.facts.setToolTip(f"training data: {net.card.data}" if net is not None and net.card.data else "")
        name = source.name
        for i in range(self.zoo_list.count()):
            item = self.zoo_list.item(i)
            item.setSelected(item.data(Qt.ItemDataRole.UserRole) == name)

    def _problem(self, panel: str, text: str) -> None:
        if panel == "network":
            self.problem.show_problem(text)
            if text:
                self._opening = None              # it failed: not a recent file

    # --- the inspection report -------------------------------------------------------------
    def inspect(self, path: str, card: str | None = None) -> bool:
        """Inspect a model file in the background and show the report (False: one still runs)."""
        from ...networks.inspection import inspect_network

        self.inspection.setPlainText(f"inspecting {os.path.basename(path)} …")
        self.inspection.show()
        return self.inspector.submit(Job(lambda job: inspect_network(path, card), on_done=self._inspected,
                                         on_error=self._inspection_failed, name="inspect network"))

    def _inspected(self, report) -> None:
        self.report = report
        self.inspection.setPlainText(report.to_text())

    def _inspection_failed(self, message: str) -> None:
        self.report = None
        self.inspection.setPlainText(f"the inspection failed: {message}")
