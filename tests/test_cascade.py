"""The regime cascade (national lists after a vetoed regime update) and the agenda's soft
track: each switched off is its absence, and each moves its outcome the documented way."""

from __future__ import annotations

from pathlib import Path

import pytest

import sim
from sim.model import tracks as data
from sim.model.model import TTCModel

ROOT = Path(__file__).resolve().parent.parent
JOINT = ROOT / "scenarios" / "ttc_2021_2025.toml"
T = "emerging_tech"


@pytest.fixture(scope="module")
def joint():
    return sim.load_scenario(JOINT)


def runs(sc, n=10):
    return [TTCModel(sc, rng=s, record=False).run() for s in range(n)]


def listed(model, track, route=None):
    """(adopter, month, route) of every national list decided after a veto on ``track``."""
    return [
        (actor, t, text.split("(")[1].split(")")[0])
        for t, _, tr, actor, kind, text in model.events
        if tr == track and kind == "decision" and "after the regime's veto" in text
        if route is None or f"({route})" in text
    ]


def test_spain_lists_nationally_after_the_december_2022_veto(joint):
    got = runs(joint)
    for m in got:
        vetoes = [(t, date) for t, date, tr, _, kind, _ in m.events if tr == T and kind == "veto"]
        assert vetoes == [(18, "2022-12")]  # the first plenary after Russia blocks (2022-02)
    assert sum(("ES", 18, "national") in listed(m, T) for m in got) >= 8


def test_switched_off_no_veto_moves_anyone(joint):
    off = runs(joint.with_overrides(["mechanisms.regime_cascade=false"]))
    assert all(not listed(m, tr.id) for m in off for tr in m.tracks)
    assert all(not [e for e in m.events if e[4] == "veto"] for m in off)
    rows = [m.outcome() for m in off]
    assert all(r[f"{T}.national_months"] == "" for r in rows)  # no US rule there to follow


def test_without_a_veto_there_is_no_cascade(joint, monkeypatch):
    monkeypatch.setattr(data, "regime_vetoed", lambda target, month: False)
    assert all(not listed(m, tr.id) for m in runs(joint, 5) for tr in m.tracks)


def test_spains_list_comes_from_its_preferences(joint):
    """With Spain's threat perception at the other members' level, Spain lists under Art. 9
    in no run (it may still apply a published list under Art. 10)."""
    got = runs(joint.with_overrides([f"tracks.{T}.members.ES.threat=0.25"]))
    assert not any(c == "ES" and r == "national" for m in got for c, _, r in listed(m, T))


def test_published_lists_are_applied_only_after_the_publication_lag(joint):
    for lag in (2, 12):
        for m in runs(joint.with_overrides([f"constants.publication_lag={lag}"]), 6):
            tr = m.track_by_id[T]
            first = min((int(x) for x in tr.national_month[: tr.n_members] if x >= 0), default=None)
            for _, t, route in listed(m, T):
                if route == "art10":
                    assert first is not None and t >= first + lag


def test_peers_lists_make_a_national_list_cheaper(joint):
    """Full peer relief makes Art. 10 applications at least as frequent as none."""

    def art10(relief):
        sc = joint.with_overrides([f"constants.peer_relief={relief}"])
        return sum(len(listed(m, T, "art10")) for m in runs(sc, 12))

    assert art10(1.0) >= art10(0.0)


# ---------------------------------------------------------------------- agenda
def without_the_salience_shock(tmp_path):
    text = JOINT.read_text().split("\n[[shocks]]               # 30 Nov 2022")[0]
    p = tmp_path / "no_salience.toml"
    p.write_text(text.replace('"preferences/', f'"{ROOT}/sim/data/preferences/'))
    return sim.load_scenario(p)


def test_with_soft_productivity_zero_there_is_no_soft_output(tmp_path):
    sc = without_the_salience_shock(tmp_path).with_overrides(["tracks.soft_ai.productivity=0"])
    for s in range(5):
        row = sim.run(sc, s)
        assert row["soft_deliverables"] == 0
        assert all(x.endswith(":0.00") for x in row["soft_share_by_ministerial"].split())


def soft_share(rows, labels):
    def share(row):
        d = dict(x.split(":") for x in row["soft_share_by_ministerial"].split())
        return sum(float(d[m]) for m in labels) / len(labels)

    return sorted(share(r) for r in rows)[len(rows) // 2]


def test_the_salience_shock_turns_the_ministerials_soft(joint, tmp_path):
    """The generative-AI shock raises the soft share of TTC-3/4; it is not an identity: the
    same scenario without it turns less."""
    late = ("2022-12", "2023-05")
    with_shock = [sim.run(joint, s) for s in range(40)]
    without = [sim.run(without_the_salience_shock(tmp_path), s) for s in range(40)]
    assert soft_share(with_shock, late) > soft_share(without, late)
    assert soft_share(with_shock, late) > soft_share(with_shock, ("2021-09", "2022-05"))
