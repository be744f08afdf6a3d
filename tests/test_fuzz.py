"""A seeded sample of benchmarks/fuzz.py: damaged files of every format load or are refused with
stabview's own errors, never anything else; plus the loader bugs the fuzzer found, one by one."""

import json
from collections import Counter

import numpy as np
import pytest

from stabview.errors import StabviewError
from tests.repo_scripts import load_script


def fuzz_module():
    return load_script("benchmarks/fuzz.py")


@pytest.mark.slow
def test_300_seeded_cases_load_or_are_refused_with_our_errors(tmp_path):
    fuzz = fuzz_module()
    rows = list(fuzz.run_cases(0, 300, 0, tmp_path))
    outcomes = Counter(row["outcome"] for row in rows)
    failures = [row for row in rows if row["outcome"] not in ("ok", "refused")]
    assert not failures, fuzz.summarise(rows)
    assert outcomes["ok"] > 0 and outcomes["refused"] > 0
    assert {row["format"] for row in rows} == set(fuzz.SEEDS)     # every format was tried


def test_every_seed_file_loads(tmp_path):
    fuzz = fuzz_module()
    fuzz.make_seeds(tmp_path)
    for fmt, name in fuzz.SEEDS.items():
        fuzz.load(fmt, tmp_path / name, tmp_path)


@pytest.fixture
def session_files(tmp_path):
    from stabview.experiment import Experiment, NetworkRef, Session
    session = Session(Experiment(NetworkRef("deepmri")), arrays={"r": np.ones((4, 4), np.float32)})
    path = session.save(tmp_path / "s.json")
    return path, path.with_suffix(".npz")


def test_a_damaged_session_npz_is_a_session_error(session_files):
    from stabview.experiment import Session, SessionError
    path, npz = session_files
    npz.write_bytes(npz.read_bytes()[: len(npz.read_bytes()) // 2])
    with pytest.raises(SessionError, match="damaged"):
        Session.open(path)


def test_session_fields_of_the_wrong_type_or_version_are_session_errors(session_files):
    from stabview.experiment import Session, SessionError
    path, _ = session_files
    data = json.loads(path.read_text())
    for change in ({"version": "one"}, {"version": 1.5}, {"experiment": [1, 2]}, {"search": "r"},
                   {"arrays_file": "../x.npz"}, {"arrays_file": 3}):
        path.write_text(json.dumps({**data, **change}))
        with pytest.raises(SessionError):
            Session.open(path)


def test_session_arrays_declaring_huge_shapes_are_refused_before_reading(session_files):
    import zipfile

    from stabview.experiment import Session, SessionError
    path, npz = session_files
    header = np.lib.format.header_data_from_array_1_0(np.zeros((2, 2)))
    header["shape"] = (10 ** 6, 10 ** 6)
    with zipfile.ZipFile(npz, "w") as archive, archive.open("r.npy", "w") as member:
        np.lib.format.write_array_header_1_0(member, header)
    with pytest.raises(SessionError, match="declare more"):
        Session.open(path)


@pytest.mark.parametrize("change", [
    {"input_convention": ["warm_start_channels"]}, {"mask": {"kind": ["cartesian"]}}, {"value_range": 1},
    {"value_range": [1, 0]}, {"config": []}, {"n_coils": "15"}, {"image_shape": [100000, 100000]},
    {"accepts_other_rates": "yes"},
])
def test_card_values_of_the_wrong_type_are_card_errors(tmp_path, change):
    from stabview.networks.card import ModelCard
    from stabview.networks.errors import CardError
    fuzz = fuzz_module()
    (tmp_path / "card.json").write_text(json.dumps({**fuzz.CARD, **change}))
    with pytest.raises(CardError):
        ModelCard.load(tmp_path / "card.json")


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04" + bytes(40), b"\x80\x02" + bytes(10)])
def test_empty_or_damaged_torch_files_are_model_errors(tmp_path, content):
    from stabview.networks.model_files import load_model_file
    fuzz = fuzz_module()
    (tmp_path / "model.pt").write_bytes(content)
    (tmp_path / "model.json").write_text(json.dumps(fuzz.CARD))
    with pytest.raises(StabviewError):
        load_model_file(tmp_path / "model.pt")


def test_an_onnx_file_with_a_damaged_initialiser_is_a_model_error(tmp_path):
    onnx = pytest.importorskip("onnx")
    from stabview.networks.errors import ModelFormatError
    from stabview.networks.model_files import load_model_file
    fuzz = fuzz_module()
    fuzz.make_seeds(tmp_path)
    model = onnx.load(str(tmp_path / "model.onnx"))
    model.graph.initializer[0].dims[0] = 99        # the raw data no longer fits its shape
    onnx.save(model, str(tmp_path / "damaged.onnx"))
    with pytest.raises(ModelFormatError, match="damaged.onnx"):
        load_model_file(tmp_path / "damaged.onnx", tmp_path / "model-card.json")
