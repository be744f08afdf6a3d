"""Study specs: every field checked, images resolved, and each mistake named by its field."""

from __future__ import annotations

import numpy as np
import pytest

from stabview.cli import main
from stabview.networks import zoo
from stabview.study.errors import SpecError
from stabview.study.spec import load_spec, parse_spec
from tests.data.writers import write_dicom, write_nifti, write_png

BASE = 'networks = ["mrivn"]\nimages = ["brain:0"]\nbudgets = [0.01]\n'


def test_defaults_and_values():
    spec = parse_spec(BASE + 'restarts = 3\niterations = 7\n')
    assert spec.restarts == 3 and spec.iterations == 7
    assert spec.tests == ("attack",) and spec.rates == (None,) and spec.keep_arrays == 5
    assert spec.networks[0].label == "mrivn" and len(spec.networks[0].file_hash) == 64
    assert spec.images[0].ref == "brain:0" and spec.images[0].slice_index is None


def test_percent_budgets_and_rates():
    spec = parse_spec('networks = ["dagan"]\nimages = ["brain:1"]\nbudgets = ["0.5%", 0.02]\nrates = [0.25, "40%"]\n')
    assert spec.budgets == pytest.approx((0.005, 0.02))
    assert spec.rates == pytest.approx((0.25, 0.4))


@pytest.mark.parametrize("line, field", [
    ("budgets = [0]", "budgets"),
    ("budgets = [1.5]", "budgets"),
    ("budgets = []", "budgets"),
    ("budgets = [\"two\"]", "budgets"),
    ("restarts = 0", "restarts"),
    ("iterations = 2.5", "iterations"),
    ("seed = -1", "seed"),
    ("keep_arrays = true", "keep_arrays"),
    ("baseline = 1", "baseline"),
    ("tests = [\"attack\", \"attack\"]", "tests"),
    ("tests = [\"fly\"]", "tests"),
    ("attack = { step = 0 }", "attack.step"),
    ("attack = { stall_window = 0 }", "attack.stall_window"),
    ("attack = { lam = 1.0 }", "attack.lam"),
    ("colour = 3", "colour"),
])
def test_bad_fields_are_named(line, field):
    text = "\n".join(l for l in BASE.splitlines() if not l.startswith(line.split(" ")[0] + " ")) + "\n" + line + "\n"
    with pytest.raises(SpecError) as err:
        parse_spec(text)
    assert err.value.field == field
    assert str(err.value).startswith(field + ":")


@pytest.mark.parametrize("test", ["details", "samples"])
def test_details_and_samples_are_refused_with_the_command_to_use(test):
    with pytest.raises(SpecError) as err:
        parse_spec(BASE + f'tests = ["{test}"]\n')
    assert err.value.field == "tests" and f"stabview {test}" in str(err.value)


@pytest.mark.parametrize("missing", ["networks", "images", "budgets"])
def test_required_fields(missing):
    text = "\n".join(l for l in BASE.splitlines() if not l.startswith(missing)) + "\n"
    with pytest.raises(SpecError) as err:
        parse_spec(text)
    assert err.value.field == missing


def test_unknown_network_and_image(tmp_path):
    with pytest.raises(SpecError) as err:
        parse_spec(BASE.replace('"mrivn"', '"nonet"'), tmp_path)
    assert err.value.field == "networks[0]"
    with pytest.raises(SpecError) as err:
        parse_spec(BASE.replace('"brain:0"', '"brain:0", "scans/*.png"'), tmp_path)
    assert err.value.field == "images[1]"


def test_invalid_toml(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text("networks = [", encoding="utf-8")
    with pytest.raises(SpecError) as err:
        load_spec(path)
    assert err.value.field == "spec"


def test_globs_volumes_and_dicom_folders(tmp_path):
    rng = np.random.default_rng(0)
    (tmp_path / "scans").mkdir()
    for name in ("b.png", "a.png"):
        write_png(tmp_path / "scans" / name, rng.integers(0, 255, (20, 20), dtype=np.uint8))
    write_nifti(tmp_path / "head.nii.gz", rng.random((16, 16, 10)).astype(np.float32))
    (tmp_path / "series").mkdir()
    for k in range(3):
        write_dicom(tmp_path / "series" / f"im{k}", rng.integers(0, 1000, (16, 16)))
    (tmp_path / "series" / "notes.txt").write_text("not an image")
    spec = load_spec(_write(tmp_path, 'networks = ["mrivn"]\nbudgets = [0.01]\nimages = ["scans/*.png", '
                                      '{ nifti = "head.nii.gz", slices = [2, 6], step = 2 }, { dicom = "series" }]\n'))
    refs = [image.ref for image in spec.images]
    assert refs == ["scans/a.png", "scans/b.png", "head.nii.gz#2", "head.nii.gz#4", "head.nii.gz#6",
                    "series/im0", "series/im1", "series/im2"]
    assert [i.slice_index for i in spec.images[2:5]] == [2, 4, 6]
    assert all(i.path.startswith(str(tmp_path)) for i in spec.images)


def test_volume_slices_beyond_the_volume(tmp_path):
    write_nifti(tmp_path / "v.nii", np.random.default_rng(0).random((8, 8, 4)).astype(np.float32))
    with pytest.raises(SpecError) as err:
        parse_spec(BASE.replace('"brain:0"', '{ nifti = "v.nii", slices = [0, 4] }'), tmp_path)
    assert err.value.field == "images[0].slices" and "4 slices" in str(err.value)


def test_empty_dicom_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(SpecError) as err:
        parse_spec(BASE.replace('"brain:0"', '{ dicom = "empty" }'), tmp_path)
    assert err.value.field == "images[0].dicom"


def test_model_file_with_card_is_hashed(tmp_path):
    folder = zoo.zoo_dir() / "deepmri"
    (tmp_path / "m.safetensors").write_bytes((folder / "weights.safetensors").read_bytes())
    (tmp_path / "m.json").write_bytes((folder / "card.json").read_bytes())
    with pytest.raises(SpecError) as err:   # the same bytes as the zoo's network: the same network
        parse_spec(BASE.replace('"mrivn"', '"deepmri", { model = "m.safetensors" }'), tmp_path)
    assert err.value.field == "networks"
    (tmp_path / "m.json").write_bytes((folder / "card.json").read_bytes() + b"\n")
    spec = parse_spec(BASE.replace('"mrivn"', '"deepmri", { model = "m.safetensors" }'), tmp_path)
    own, zoo_net = spec.networks[1], spec.networks[0]
    assert own.card == str(tmp_path / "m.json") and own.label == "m" and own.source == str(tmp_path / "m.safetensors")
    assert own.file_hash != zoo_net.file_hash
    (tmp_path / "m.json").unlink()
    with pytest.raises(SpecError) as err:
        parse_spec(BASE.replace('"mrivn"', '{ model = "m.safetensors" }'), tmp_path)
    assert err.value.field == "networks[0]" and "card" in str(err.value)


def test_command_exits_2_naming_the_field(tmp_path, capsys):
    path = _write(tmp_path, BASE.replace("[0.01]", "[-0.01]"))
    assert main(["study", "run", str(path), "--out", str(tmp_path / "out"), "--dry-run"]) == 2
    assert "budgets:" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def _write(folder, text):
    path = folder / "spec.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_nullspace_and_targeted_tests_with_their_settings():
    spec = parse_spec(BASE + 'tests = ["nullspace", "target-add", "target-remove"]\niterations = 9\n'
                      'target = { text = "AB", size = 12, position = [30, 40], intensity = -0.3, step = 0.2 }\n'
                      'nullspace = { tolerance = 1e-4, max_iterations = 50 }\n')
    assert spec.tests == ("nullspace", "target-add", "target-remove")
    add, remove = spec.test_settings("target-add"), spec.test_settings("target-remove")
    assert add["mode"] == "add" and remove["mode"] == "remove"
    assert add["detail"] == {"kind": "text", "content": "AB", "size": 12, "centre": [30.0, 40.0],
                             "intensity": -0.3}
    assert add["iterations"] == 9 and add["step"] == 0.2          # the spec's iterations by default
    assert spec.test_settings("nullspace") == {"tolerance": 1e-4, "max_iterations": 50}
    assert spec.test_settings("attack") == {}
    plain = parse_spec(BASE + 'tests = ["target-add"]\n').test_settings("target-add")
    assert plain["detail"]["content"] == "heart" and plain["detail"]["size"] is None and plain["step"] == 0.1


@pytest.mark.parametrize("line, field", [
    ('target = { symbol = "star" }', "target.symbol"),
    ('target = { symbol = "heart", text = "A" }', "target"),
    ('target = { text = "" }', "target.text"),
    ('target = { size = 0 }', "target.size"),
    ('target = { iterations = 2.5 }', "target.iterations"),
    ('target = { position = [1] }', "target.position"),
    ('target = { intensity = 0 }', "target.intensity"),
    ('target = { step = 2 }', "target.step"),
    ('target = { colour = 1 }', "target.colour"),
    ('target = 3', "target"),
    ('nullspace = { tolerance = 1 }', "nullspace.tolerance"),
    ('nullspace = { max_iterations = 0 }', "nullspace.max_iterations"),
    ('nullspace = { solver = "lsqr" }', "nullspace.solver"),
])
def test_bad_target_and_nullspace_settings_are_named(line, field):
    with pytest.raises(SpecError) as err:
        parse_spec(BASE + 'tests = ["target-add"]\n' + line + "\n")
    assert err.value.field == field
