"""The details layer: stamps, brush and eraser compose as documented, undo/redo, persistence."""

import numpy as np
import pytest

from stabview.stability.detail_canvas import DetailCanvas
from stabview.errors import StabviewError
from stabview.stability.details import Detail

SHAPE = (48, 48)


def heart(centre=(24, 24), size=12, intensity=0.5):
    return Detail("symbol", "heart", centre, size, intensity)


def test_a_stamp_renders_the_engine_detail():
    canvas = DetailCanvas(SHAPE)
    canvas.stamp(heart())
    expected = heart().render(SHAPE).numpy()
    np.testing.assert_allclose(canvas.image(), expected, atol=1e-6)


def test_undo_redo_and_clear_restore_each_state():
    canvas = DetailCanvas(SHAPE)
    empty = canvas.image()
    canvas.stamp(heart())
    one = canvas.image()
    canvas.stroke([(5, 5), (5, 30)], radius=2, intensity=0.8)
    two = canvas.image()
    assert canvas.undo()
    np.testing.assert_array_equal(canvas.image(), one)
    assert canvas.redo()
    np.testing.assert_array_equal(canvas.image(), two)
    canvas.clear()
    np.testing.assert_array_equal(canvas.image(), empty)
    assert canvas.is_empty and canvas.can_redo
    canvas.redo()
    canvas.redo()
    np.testing.assert_array_equal(canvas.image(), two)
    assert not canvas.redo()


def test_a_new_edit_drops_the_redo_stack():
    canvas = DetailCanvas(SHAPE)
    canvas.stamp(heart())
    canvas.undo()
    canvas.stroke([(10, 10)], radius=3)
    assert not canvas.can_redo


def test_brush_reaches_its_intensity_and_overlaps_do_not_add_up():
    canvas = DetailCanvas(SHAPE)
    canvas.stroke([(20, 10), (20, 40)], radius=3, intensity=0.6)
    canvas.stroke([(10, 25), (30, 25)], radius=3, intensity=0.6)
    d = canvas.image()
    assert d.max() == pytest.approx(0.6, abs=1e-6)
    assert d[20, 25] == pytest.approx(0.6, abs=1e-6)
    assert d[0, 0] == 0


def test_eraser_removes_what_it_covers_only():
    canvas = DetailCanvas(SHAPE)
    canvas.stroke([(24, 4), (24, 44)], radius=3, intensity=1.0)
    canvas.stroke([(24, 20), (24, 28)], radius=5, erase=True)
    d = canvas.image()
    assert d[24, 24] == 0 and d[24, 8] == pytest.approx(1.0)


def test_the_image_is_a_copy_so_viewers_cannot_write_into_the_model():
    canvas = DetailCanvas(SHAPE)
    canvas.stamp(heart())
    shown = canvas.image()
    shown[:] = 7
    assert canvas.image().max() <= 0.5 + 1e-6


def test_listeners_hear_every_change():
    canvas = DetailCanvas(SHAPE)
    heard = []
    canvas.subscribe(lambda c: heard.append(len(c.operations)))
    canvas.stamp(heart())
    canvas.undo()
    canvas.redo()
    canvas.clear()
    assert heard == [1, 0, 1, 0]


def test_round_trip_through_plain_data():
    canvas = DetailCanvas(SHAPE)
    canvas.stamp(Detail("text", "CAN U SEE IT", (30, 24), 6, 0.4))
    canvas.stroke([(3, 3), (9, 9)], radius=1.5, intensity=0.7)
    canvas.stroke([(5, 5)], radius=2, erase=True)
    again = DetailCanvas.from_dict(canvas.to_dict())
    np.testing.assert_array_equal(again.image(), canvas.image())


def test_bad_edits_are_refused_before_they_are_kept():
    canvas = DetailCanvas(SHAPE)
    with pytest.raises(StabviewError):
        canvas.stamp(Detail("symbol", "joker", (10, 10), 8))
    with pytest.raises(StabviewError):
        canvas.stroke([(1, 1)], radius=0)
    with pytest.raises(StabviewError):
        DetailCanvas.from_dict({"shape": [8, 8], "operations": [{"type": "paint"}]})
    assert canvas.is_empty
