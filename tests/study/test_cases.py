"""Cases: lazy expansion in a fixed order, a count without expanding, ids from content only."""

from __future__ import annotations

import itertools
import json
import shutil

from stabview.networks import zoo
from stabview.study import cases
from stabview.study.spec import parse_spec

SPEC = ('networks = ["deepmri", "mrivn"]\nimages = ["brain:0", "brain:1", "ellipses:2"]\n'
        'budgets = [0.01, 0.02]\nrestarts = 2\ntests = ["attack", "noise"]\nrates = [0.2, 0.3]\n')


def test_count_matches_the_expansion_and_ids_are_unique():
    spec = parse_spec(SPEC)
    every = list(cases.expand(spec))
    assert cases.count(spec) == len(every) == 2 * 3 * 2 * 2 * 2 * 2
    assert len({c.id for c in every}) == len(every)
    # network outermost, restart innermost: consecutive cases share a network
    assert [c.network.label for c in every[:48]] == ["deepmri"] * 48
    assert [c.restart for c in every[:4]] == [0, 1, 0, 1]


def test_expansion_is_lazy():
    spec = parse_spec(SPEC.replace("restarts = 2", "restarts = 1000000"))
    assert cases.count(spec) == 2 * 3 * 2 * 2 * 2 * 1_000_000
    first = list(itertools.islice(cases.expand(spec), 3))   # would not return if it built a list
    assert [c.restart for c in first] == [0, 1, 2]


def test_ids_are_stable_and_depend_on_content(tmp_path):
    a = next(cases.expand(parse_spec(SPEC)))
    again = next(cases.expand(parse_spec(SPEC)))
    assert a.id == again.id
    changed = {
        "seed": SPEC + "seed = 1\n",
        "iterations": SPEC + "iterations = 5\n",
        "budget": SPEC.replace("[0.01, 0.02]", "[0.015, 0.02]"),
        "rate": SPEC.replace("[0.2, 0.3]", "[0.21, 0.3]"),
        "image": SPEC.replace('"brain:0", ', ""),
        "search": SPEC + "attack = { step = 0.5 }\n",
    }
    for what, text in changed.items():
        assert next(cases.expand(parse_spec(text))).id != a.id, what
    # a different order of the other images does not change a case's id
    reordered = parse_spec(SPEC.replace('"brain:0", "brain:1", "ellipses:2"', '"ellipses:2", "brain:0", "brain:1"'))
    assert a.id in {c.id for c in cases.expand(reordered)}


def test_id_follows_the_weights_not_the_file_name(tmp_path):
    for name in ("one", "two"):
        shutil.copy(zoo.zoo_dir() / "deepmri" / "weights.safetensors", tmp_path / f"{name}.safetensors")
        shutil.copy(zoo.zoo_dir() / "deepmri" / "card.json", tmp_path / f"{name}.json")
    base = 'images = ["brain:0"]\nbudgets = [0.01]\nnetworks = [{ model = "NAME.safetensors" }]\n'
    one = next(cases.expand(parse_spec(base.replace("NAME", "one"), tmp_path)))
    two = next(cases.expand(parse_spec(base.replace("NAME", "two"), tmp_path)))
    assert one.id == two.id and one.network.label != two.network.label
    (tmp_path / "two.json").write_text((tmp_path / "two.json").read_text() + " ")
    assert next(cases.expand(parse_spec(base.replace("NAME", "two"), tmp_path))).id != one.id


def test_pending_skips_recorded_ids_and_case_dicts_are_json():
    spec = parse_spec(SPEC)
    every = list(cases.expand(spec))
    done = {c.id for c in every[::3]}
    left = list(cases.pending(spec, done))
    assert len(left) == len(every) - len(done) and not {c.id for c in left} & done
    data = json.loads(json.dumps(left[0].to_dict()))
    assert data["id"] == left[0].id and data["case_seed"] == left[0].seed + left[0].restart


def test_nullspace_runs_once_per_image_and_targets_per_budget_and_restart():
    spec = parse_spec(SPEC.replace('tests = ["attack", "noise"]', 'tests = ["attack", "nullspace", "target-add"]'))
    every = list(cases.expand(spec))
    assert cases.count(spec) == len(every) == 2 * 2 * 3 * (2 * 2 + 1 + 2 * 2)
    assert len({c.id for c in every}) == len(every)
    nulls = [c for c in every if c.test == "nullspace"]
    assert len(nulls) == 2 * 2 * 3 and {(c.budget, c.restart) for c in nulls} == {(0.0, 0)}
    assert nulls[0].to_dict()["test_settings"] == {"tolerance": 1e-6, "max_iterations": 500}
    targets = [c for c in every if c.test == "target-add"]
    assert {(c.budget, c.restart) for c in targets} == {(b, r) for b in (0.01, 0.02) for r in (0, 1)}


def test_adding_tests_keeps_the_ids_of_recorded_cases():
    attack_only = {c.id for c in cases.expand(parse_spec(SPEC))}
    more = SPEC.replace('tests = ["attack", "noise"]', 'tests = ["attack", "noise", "nullspace", "target-remove"]')
    with_targets = {c.test: c.id for c in cases.expand(parse_spec(more))}
    every = {c.id for c in cases.expand(parse_spec(more))}
    assert attack_only < every                     # a resumed study runs only the new tests' cases
    # the detail is part of a targeted case's id (another symbol is another case), not the attack's
    other = {c.id for c in cases.expand(parse_spec(more + 'target = { symbol = "club" }\n'))}
    assert attack_only < other and with_targets["target-remove"] not in other
    assert with_targets["nullspace"] in other
