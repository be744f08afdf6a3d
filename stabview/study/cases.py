"""A spec expanded into cases, lazily, each with a stable id computed from its content.

Order: network, sampling rate, image, test, budget, restart (the innermost axes vary fastest),
so consecutive cases share a network and a worker's cache keeps being hit. `expand` is a
generator and `count` is arithmetic: a 100 000-case spec never sits in memory as a list.

The id is the sha256 of everything that decides a case's result: the network's file hash, the
image reference, the sampling rate, the test (with its own settings, for the targeted and
null-space tests), the budget, the restart, the seed, the shared settings (iterations, baseline,
search settings) and `ENGINE_VERSION`. A null-space case has no budget or restart: one per image
and sampling, recorded with budget 0 and restart 0. Moving the study folder
or renaming a model file keeps the ids; changing the weights or the engine does not.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Iterator

from .spec import BUDGETED_TESTS, ImageRef, NetworkRef, StudySpec

#: bumped whenever a case's numbers would change for the same inputs (new search, new metrics)
ENGINE_VERSION = "study-1"


@dataclass(frozen=True)
class Case:
    """One unit of work: a network, an image, a sampling, a test, a budget and a restart."""

    id: str                     # content hash (see the module docstring); made by `expand`
    network: NetworkRef
    image: ImageRef
    rate: float | None          # None: the network's trained sampling
    test: str                   # one of spec.TESTS
    budget: float               # ε: ‖r‖ ≤ ε‖x‖ (0 for a null-space case)
    restart: int
    seed: int                   # the study's seed; the case's own is `case_seed`
    settings: dict              # shared by all cases of the spec (StudySpec.settings())
    test_settings: dict         # this test's own (StudySpec.test_settings(test)); {} for most

    @property
    def case_seed(self) -> int:
        """Seed of this restart's random start (or noise): the study's seed plus the restart."""
        return self.seed + self.restart

    def to_dict(self) -> dict:
        """Plain data (what is sent to a worker, and stored with the result)."""
        return {"id": self.id, "network": self.network.to_dict(), "image": self.image.to_dict(),
                "rate": self.rate, "test": self.test, "budget": self.budget, "restart": self.restart,
                "seed": self.seed, "case_seed": self.case_seed, "settings": self.settings,
                "test_settings": self.test_settings}


def _hashed(parent, *parts) -> "hashlib._Hash":
    """`parent`'s digest state extended by the parts, each JSON-encoded and separated."""
    digest = parent.copy()
    for part in parts:
        digest.update(json.dumps(part).encode() + b"\x1f")
    return digest


def _walk(spec: StudySpec) -> Iterator[tuple]:
    """(id, network, rate, image, test, budget, restart) in expansion order.

    A test with settings of its own hashes them with its name (so the attack's ids do not
    change when a spec adds a targeted test); a test without budget runs once, as (0, 0).

    The id's hash is built along the loops (shared prefixes are hashed once and copied), so
    a pass over 100 000 cases costs well under a second of hashing.
    """
    common = _hashed(hashlib.sha256(), ENGINE_VERSION, spec.seed, json.dumps(spec.settings(), sort_keys=True))
    tests = [(test, json.dumps(spec.test_settings(test), sort_keys=True) if spec.test_settings(test) else None)
             for test in spec.tests]
    for network in spec.networks:
        h_network = _hashed(common, network.file_hash)
        for rate in spec.rates:
            h_rate = _hashed(h_network, rate)
            for image in spec.images:
                h_image = _hashed(h_rate, image.ref)
                for test, own in tests:
                    h_test = _hashed(h_image, test) if not own else _hashed(h_image, test, own)
                    if test not in BUDGETED_TESTS:
                        yield _hashed(h_test, 0.0).hexdigest()[:32], network, rate, image, test, 0.0, 0
                        continue
                    for budget in spec.budgets:
                        h_budget = _hashed(h_test, budget)
                        for restart in range(spec.restarts):
                            digest = h_budget.copy()
                            digest.update(b"%d" % restart)
                            yield digest.hexdigest()[:32], network, rate, image, test, budget, restart


def expand(spec: StudySpec) -> Iterator[Case]:
    """Every case of the spec, in the order of the module docstring, one at a time."""
    settings = spec.settings()
    own = {test: spec.test_settings(test) for test in spec.tests}
    for case_id, network, rate, image, test, budget, restart in _walk(spec):
        yield Case(case_id, network, image, rate, test, budget, restart, spec.seed, settings, own[test])


def ids(spec: StudySpec) -> Iterator[str]:
    """The ids alone, in the same order (counting what is left to run needs no more)."""
    return (step[0] for step in _walk(spec))


def count(spec: StudySpec) -> int:
    """Number of cases, without expanding them."""
    per_image = sum(len(spec.budgets) * spec.restarts if test in BUDGETED_TESTS else 1 for test in spec.tests)
    return len(spec.networks) * len(spec.rates) * len(spec.images) * per_image


def pending(spec: StudySpec, done: set[str]) -> Iterator[Case]:
    """The cases whose ids are not in `done` (a resumed study skips what it has recorded)."""
    return (case for case in expand(spec) if case.id not in done)
