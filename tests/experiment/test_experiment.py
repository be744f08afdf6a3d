"""The experiment model: typed choices, one place that builds (f, A, x), JSON, events and undo."""

import json

import pytest
import torch

from stabview.errors import StabviewError
from stabview.experiment.model import UNDO_DEPTH
from stabview.experiment import (AttackSettings, ChoiceError, Experiment, ExperimentModel, ImageRef,
                                 MoreSamplesSettings, NetworkRef, Sampling, details_image)
from stabview.operators import FourierOperator, MultiCoilOperator, RadonOperator
from stabview.stability.params import AttackParams

HEART = {"type": "stamp", "kind": "symbol", "content": "heart", "centre": [64, 64], "size": 16, "intensity": 0.5}


def test_a_network_is_a_zoo_name_or_a_file_never_both():
    with pytest.raises(ChoiceError, match="either"):
        NetworkRef()
    with pytest.raises(ChoiceError, match="either"):
        NetworkRef(name="deepmri", path="/x.pt")
    assert NetworkRef.parse("deepmri") == NetworkRef(name="deepmri")
    with pytest.raises(ChoiceError, match="--card"):
        NetworkRef.parse("deepmri", card="card.json")


def test_a_model_file_is_pinned_by_its_hash(tmp_path):
    from tests.gui.networks import write_small_network
    path = write_small_network(tmp_path)
    ref = NetworkRef.parse(str(path))
    assert ref.path == str(path) and len(ref.sha256) == 64 and ref.label == path.name
    net = ref.load()
    assert net.card.name == "tiny-cascade"
    path.write_bytes(path.read_bytes() + b" ")
    with pytest.raises(ChoiceError, match="changed since"):
        ref.load()


@pytest.mark.parametrize("sampling, kind", [
    (Sampling("fourier", "cartesian", 0.3), FourierOperator),
    (Sampling("multicoil", "equispaced", 0.3, options={"centre_lines": 4}, n_coils=4), MultiCoilOperator),
    (Sampling("radon", "uniform-angles", 0.05, n_full=200), RadonOperator),
])
def test_one_place_builds_every_operator(sampling, kind):
    op = sampling.operator((32, 32))
    assert isinstance(op, kind) and op.image_shape == (32, 32)
    assert Sampling.from_dict(json.loads(json.dumps(sampling.to_dict()))) == sampling


def test_sampling_choices_are_checked_and_a_new_modality_gets_a_kind_that_fits():
    with pytest.raises(ChoiceError, match="modality"):
        Sampling("ultrasound")
    with pytest.raises(StabviewError, match="for radon sampling"):
        Sampling("fourier", "uniform-angles").operator((16, 16))
    assert Sampling("fourier", "cartesian").with_(modality="radon").kind == "uniform-angles"


def test_build_gives_the_trained_sampling_and_x_plus_d():
    experiment = Experiment(NetworkRef("ell50"), ImageRef("brain"), details=(HEART,))
    setup = experiment.build("cpu")
    assert setup.sampling == Sampling.trained(setup.net.card) and setup.op.modality == "radon"
    plain = Experiment(NetworkRef("ell50"), ImageRef("brain")).build("cpu", net=setup.net)
    d = details_image((HEART,), (128, 128))
    assert torch.allclose(setup.x - plain.x, d[None]) and float(d.abs().sum()) > 0
    recs = setup.reconstructors(linear=True)
    assert list(recs) == ["network", "baseline", "FBP"]
    y = setup.op.forward(setup.x)
    assert torch.equal(recs["FBP"](y, setup.op), setup.op.warm_start(y))


def test_build_refuses_what_the_network_cannot_take():
    experiment = Experiment(NetworkRef("ell50"), sampling=Sampling("fourier", "cartesian", 0.3))
    with pytest.raises(StabviewError, match="radon"):
        experiment.build("cpu")


def test_json_round_trip_with_a_schema_version():
    experiment = Experiment(NetworkRef("deepmri"), ImageRef("scan.dcm", 3), Sampling(rate=0.25), (HEART,),
                            AttackSettings(AttackParams(budget=0.01), restarts=4, budgets=(0.005, 0.01)),
                            MoreSamplesSettings(rates=(0.2, 0.4)))
    data = json.loads(json.dumps(experiment.to_dict()))
    assert data["schema"] == 2 and Experiment.from_dict(data) == experiment
    with pytest.raises(StabviewError, match="newer"):
        Experiment.from_dict({**data, "schema": 99})


def test_test_3_rates_default_to_the_shared_defaults_plus_the_trained_rate():
    op = Sampling("fourier", "cartesian", 0.3).operator((32, 32))
    assert 0.3 in MoreSamplesSettings().rates_for(op, 0.3)
    radon = Sampling("radon", "uniform-angles", 0.05, n_full=200).operator((32, 32))
    assert MoreSamplesSettings().rates_for(radon, 0.05) == [25 / 200, 50 / 200, 100 / 200, 200 / 200]
    with pytest.raises(StabviewError, match="views"):
        MoreSamplesSettings(views=(500,)).rates_for(radon, 0.05)


def test_the_model_emits_one_event_per_changed_field_and_undoes_any_change():
    model = ExperimentModel(Experiment(NetworkRef("deepmri")))
    seen = []
    model.events.image.connect(lambda value: seen.append(("image", value)))
    model.events.details.connect(lambda value: seen.append(("details", value)))
    model.events.modified.connect(lambda value: seen.append(("modified", value)))
    assert model.update(image=ImageRef("knee"), details=(HEART,))
    assert seen == [("image", ImageRef("knee")), ("details", (HEART,)), ("modified", True)]
    assert not model.update(image=ImageRef("knee"))                   # no change, no event
    model.set_result("attack", {"ratio": 4.2})
    model.update(details=())                       # a destructive change: the stale results go ...
    assert model.results == {} and model.experiment.details == ()
    assert model.undo()                                                # ... is undone with its results
    assert model.experiment.details == (HEART,) and model.results == {"attack": {"ratio": 4.2}}
    assert model.redo() and model.experiment.details == ()
    model.mark_saved()
    assert not model.modified and seen[-1] == ("modified", False)


def test_settings_changes_keep_results_and_history_and_undo_is_labelled():
    model = ExperimentModel(Experiment(NetworkRef("deepmri")))
    model.set_result("more_samples", {"rates": [0.1]})
    assert model.update(record=False, attack=AttackSettings(iterations=7))
    assert not model.can_undo() and model.results == {"more_samples": {"rates": [0.1]}}
    model.update("image knee", image=ImageRef("knee"))
    model.update("stamp heart", details=(HEART,))
    assert model.undo_label() == "stamp heart" and model.undo()
    assert model.undo_label() == "image knee" and model.redo_label() == "stamp heart"
    model.update("image brain", image=ImageRef("brain"))                 # a new branch drops redo
    assert not model.can_redo() and model.experiment.attack.iterations == 7


def test_history_keeps_what_views_hand_it_and_gives_it_back_in_order():
    model = ExperimentModel(Experiment(NetworkRef("deepmri")))
    live = {"search": "search-1"}
    order = []
    model.events.image.connect(lambda value: order.append("image event"))

    def take():
        kept, live["search"] = live["search"], None
        return kept

    def give_before(kept):
        order.append(f"before: {kept}")

    def give_after(kept):
        order.append(f"after: {kept}")
        live["search"] = kept

    model.keep("cache", lambda: "cached", give_before)
    model.keep("search", take, give_after, after_events=True)
    model.update("image knee", image=ImageRef("knee"))
    assert live["search"] is None                         # taken away with the state it belonged to
    assert model.undo()
    assert order == ["image event", "before: cached", "image event", "after: search-1"]
    assert live["search"] == "search-1"
    model.record("reset")                                 # a step that changes no field
    assert live["search"] is None and model.undo_label() == "reset"
    assert model.undo() and live["search"] == "search-1"


def test_the_undo_history_is_bounded():
    model = ExperimentModel(Experiment(NetworkRef("deepmri")))
    for k in range(UNDO_DEPTH + 5):
        model.update(f"seed {k}", sampling=Sampling(seed=k))
    steps = 0
    while model.undo():
        steps += 1
    assert steps == UNDO_DEPTH and model.experiment.sampling == Sampling(seed=4)


def test_only_the_latest_states_keep_live_objects():
    from stabview.experiment.model import KEEP_LIVE
    model = ExperimentModel(Experiment(NetworkRef("deepmri")))
    given = []
    model.keep("search", lambda: object(), given.append)
    for k in range(KEEP_LIVE + 5):
        model.update(f"seed {k}", sampling=Sampling(seed=k))
    while model.undo():
        pass
    assert sum(g is not None for g in given) == KEEP_LIVE          # older states came back without them
    assert model.experiment.sampling is None                        # but with their values
