"""DESIGN §5: PySide6 6.12.0 aborts after ~1000 Python-side emits (a reference to True is
dropped on every emit); this emits 20 000 and must survive and deliver every one."""

from PySide6.QtCore import QObject, Signal


class Emitter(QObject):
    flag = Signal(bool)
    value = Signal(object)


class Receiver(QObject):
    def __init__(self):
        super().__init__()
        self.count = 0

    def on_flag(self, value: bool) -> None:
        self.count += bool(value)

    def on_value(self, value) -> None:
        self.count += 1


def test_twenty_thousand_python_side_emits(qapp):
    emitter, receiver = Emitter(), Receiver()
    emitter.flag.connect(receiver.on_flag)
    emitter.value.connect(receiver.on_value)
    for _ in range(10_000):
        emitter.flag.emit(True)
        emitter.value.emit(True)
    assert receiver.count == 20_000
