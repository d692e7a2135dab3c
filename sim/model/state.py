"""The model's dynamic state of one hard track: its actors' numbers, the measures decided and
in force, and the TTC talks on it. Arrays run over adopters (the 27 members, then allies, in
canonical ISO order); months count from the scenario's start, None (or -1 in the arrays) when
the event has not happened."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.scenario import schema as P

if TYPE_CHECKING:
    from sim.model.model import TTCModel


@dataclass
class TrackState:
    """One hard track."""

    id: str
    target: str | None
    routes: tuple[str, ...]
    n_members: int
    supply: np.ndarray
    """Each adopter's share of the track's Western supply (with ``us_supply``, sums to 1)."""
    us_supply: float
    params: dict[str, np.ndarray]
    """Adopters' live parameters: threat, exposure, us_dependence, retaliation_fear, lag."""
    us: P.USParams
    availability: float
    us_threshold: float
    thresholds: np.ndarray
    key: np.ndarray = field(init=False)
    supply_eu: np.ndarray = field(init=False)
    """Members' share of the EU's supply on the track (zeros when the EU supplies none)."""
    allied_supply: float = field(init=False)
    """The adopters' share of the track's Western supply (``supply`` summed)."""
    member_supply: float = field(init=False)
    """The members' share of the track's Western supply."""
    # preferences and pressure
    net: np.ndarray = field(init=False)
    ideals: np.ndarray = field(init=False)
    pressure: np.ndarray = field(init=False)
    pivotal_count: np.ndarray = field(init=False)
    concession_made: float = 0.0
    # measures
    us_level: float = 0.0
    us_rule_months: list[int] = field(default_factory=list)
    us_pending: bool = False
    us_ideal: float = 0.0
    """The US's ideal level on the track (set as the run starts and after each month's shocks,
    the only things that move it)."""
    unilateral: bool = False
    eu_level: float = 0.0
    eu_route: str = ""
    eu_month: int | None = None
    eu_derogated: np.ndarray = field(init=False)
    national_level: np.ndarray = field(init=False)
    national_decided: np.ndarray = field(init=False)
    """Month each adopter decided a national measure (-1: none); read-only, changed only by
    :meth:`decide_national`, which keeps the masks below with it."""
    undecided: np.ndarray = field(init=False)
    """Which adopters have decided no national measure (``national_decided < 0``)."""
    open_national: np.ndarray = field(init=False)
    """Which adopters may still decide a national measure (see :meth:`allow_national`)."""
    key_open: np.ndarray = field(init=False)
    """Which key suppliers may still decide a national measure."""
    decisions: int = 0
    """How many national measures have been decided (a key for caches on the masks above)."""
    any_key_open: bool = field(init=False)
    """Whether any key supplier may still decide a national measure."""
    national_month: np.ndarray = field(init=False)
    extensions: list[tuple[str, int]] = field(default_factory=list)
    effective: np.ndarray = field(init=False)
    changes: int = 0
    countermeasure_months: list[int] = field(default_factory=list)
    # ratchet
    leak_belief: float = 0.0
    """The US's estimate of the control its next update would add (``ratchet``)."""
    us_update_months: list[int] = field(default_factory=list)
    """Months the US decided each update of its rule."""
    extension_level: np.ndarray = field(init=False)
    """Level of each adopter's extension decided in response to an update (0: none)."""
    # talks
    hard_open: bool = True
    offer: float = 0.0
    route_delay: float = float("inf")
    """Months the best EU route open to the track takes from agreement to a measure in force."""
    gap: float = 0.0
    gap_history: list[float] = field(default_factory=list)
    assurance_history: list[float] = field(default_factory=list)
    """The key suppliers' shortfall from controlling together, as the US has watched it."""
    deal_month: int | None = None
    deal_level: float = 0.0
    coordination_due: int | None = None
    coordinated_month: int | None = None
    channels: list[str] = field(default_factory=list)
    last_round: str = ""
    cache: dict[str, Any] = field(default_factory=dict)
    listed: tuple[np.ndarray, float | None, float] | None = field(default=None, repr=False, compare=False)
    """What :meth:`members_listed` returns, as of the measures in force at ``listed_at``."""
    listed_at: int = field(default=-1, repr=False, compare=False)

    def __post_init__(self) -> None:
        n = len(self.supply)
        eu = self.supply[: self.n_members]
        self.supply_eu = eu / eu.sum() if eu.sum() > 0 else np.zeros(self.n_members)
        self.allied_supply, self.member_supply = float(self.supply.sum()), float(eu.sum())
        self.net = np.zeros(n)
        self.ideals = np.zeros(n)
        self.pressure = np.zeros(n)
        self.pivotal_count = np.zeros(self.n_members, dtype=int)
        self.eu_derogated = np.zeros(self.n_members, dtype=bool)
        self.national_level = np.zeros(n)
        self.national_decided = np.full(n, -1)
        self.national_month = np.full(n, -1)
        self.effective = np.zeros(n)
        self.extension_level = np.zeros(n)

    def memo(self, name: str, version: tuple[Any, ...]) -> dict[Any, Any]:
        """The table of cached results ``name`` for the track as it is at ``version`` (what the
        results depend on besides their own key): emptied when the version changes."""
        entry = self.cache.get(name)
        if entry is None or entry[0] != version:
            entry = self.cache[name] = (version, {})
        return entry[1]

    def set_key(self, key_supply: float) -> None:
        self.key = self.supply >= key_supply

    DECIDED = ("national_decided", "undecided", "open_national", "key_open")
    """The arrays :meth:`decide_national` keeps together (read-only)."""

    def allow_national(self, members: bool) -> None:
        """Who may decide a national measure on the track: those without one, allies always,
        members only when ``members`` (the track allows the ``national`` route and national
        controls). Kept up to date by :meth:`decide_national`."""
        self.undecided = self.national_decided < 0
        self.open_national = self.undecided.copy()
        if not members:
            self.open_national[: self.n_members] = False
        self.key_open = self.key & self.open_national
        self.any_key_open = bool(self.key_open.any())
        for name in self.DECIDED:
            getattr(self, name).flags.writeable = False

    def decide_national(self, i: int, t: int) -> None:
        """Adopter ``i`` decides a national measure in month ``t``: it is open to no other.
        (The arrays are replaced, not changed, so a caller's copy stays as it was.)"""
        decided, undecided, open_national, key_open = (
            self.national_decided.copy(),
            self.undecided.copy(),
            self.open_national.copy(),
            self.key_open.copy(),
        )
        decided[i], undecided[i], open_national[i], key_open[i] = t, False, False, False
        for new in (decided, undecided, open_national, key_open):
            new.flags.writeable = False
        self.national_decided, self.undecided, self.open_national, self.key_open = (
            decided,
            undecided,
            open_national,
            key_open,
        )
        self.any_key_open = self.any_key_open and bool(key_open.any())
        self.decisions += 1

    def members_listed(self) -> tuple[np.ndarray, float | None, float]:
        """The members with a national measure in force, the strictest level among them (None
        when none) and their share of the EU's supply; kept until the measures in force change."""
        if self.listed is None or self.listed_at != self.changes:
            nm = self.n_members
            listed = self.national_month[:nm] >= 0
            listed.flags.writeable = False
            level = float(self.national_level[:nm][listed].max()) if listed.any() else None
            self.listed = (listed, level, float(self.supply_eu[listed].sum()))
            self.listed_at = self.changes
        return self.listed

    def update_effective(self) -> None:
        """Each adopter's level in force: for members the EU level (unless derogated) or its
        national measure, whichever is stricter; for allies their national measure."""
        self.changes += 1
        eu = np.zeros(len(self.supply))
        eu[: self.n_members] = np.where(self.eu_derogated, 0.0, self.eu_level)
        self.effective = np.maximum(eu, self.national_level)

    @property
    def channel(self) -> str:
        return self.channels[0] if self.channels else "none"


@dataclass(eq=False)
class Adoption:
    """A decided measure waiting for its lag to run: the US rule, the EU-level measure or one
    adopter's national measure on a track. :meth:`schedule` hands it to the model, whose event
    on Mesa's event list for that month calls :meth:`come_into_force`."""

    model: TTCModel
    track: TrackState
    adopter: str
    """``"US"``, ``"EU"`` or an adopter's ISO code."""
    level: float
    route: str = ""
    derogated: np.ndarray | None = None
    index: int = -1
    reach: float | None = None
    """A US rule's new reach, for an update (``ratchet``); None keeps the reach in force."""

    def schedule(self, month: int) -> None:
        self.model.adopt_in(month, self)

    def come_into_force(self) -> None:
        model, tr, t = self.model, self.track, self.model.t
        if self.adopter == "US":
            tr.us_level, tr.us_pending = float(self.level), False
            tr.us_rule_months.append(t)
            tr.changes += 1
            if self.reach is not None:
                tr.us.reach = self.reach
                text = f"updated rule in force at {tr.us_level:.2f}, reach {self.reach:.2f}"
                model.log(tr.id, "US", "rule", text)
            else:
                how = "unilateral" if tr.unilateral else "joint"
                model.log(tr.id, "US", "rule", f"{how} rule in force at {tr.us_level:.2f}")
        elif self.adopter == "EU":
            assert self.derogated is not None
            tr.eu_level, tr.eu_route, tr.eu_month = float(self.level), self.route, t
            tr.eu_derogated = self.derogated
            tr.update_effective()
            model.log(tr.id, "EU", "rule", f"EU-level measure ({self.route}) in force at {tr.eu_level:.2f}")
        else:
            i = self.index
            if tr.national_month[i] < 0:
                tr.national_month[i] = t
            else:
                tr.extensions.append((self.adopter, t))
            tr.national_level[i] = max(tr.national_level[i], self.level)
            tr.update_effective()
            model.log(
                tr.id, self.adopter, "rule", f"national measure ({self.route}) in force at {self.level:.2f}"
            )
        target = model.targets.get(tr.target) if tr.target else None
        if target is not None:
            target.answer(tr, self.adopter)
