"""The model's mechanisms, one module each, named for what it decides.

=====  ===============  ==========================================================
M1     preferences      each actor's ideal stringency and the most it votes for
M2     perception       threat perceptions: socialisation, US intelligence, noise
M3     eu_offer         the Commission's best measure inside the Council's feasible set
M4     ttc_round        the TTC round: agreement, or US concessions and pressure
M5     acting_alone     the US weighs acting alone against waiting for a deal
M6     bilateral        US pressure on key exporters; national alignment
M7     agenda           the TTC's attention between the hard and the soft track
M8     adoption         measures come into force after their lag; the target retaliates
--     shocks           dated events that move parameters during a run
=====  ===============  ==========================================================

Each module states its mechanism, the scenario parameters it reads and the facts it rests on,
and holds the structural constants (modelling choices, not scenario parameters) it uses.
Decisions are functions over arrays of actors: one call decides for all members at once.
Numbers in brackets refer to the sources in ``sim/data/sources.md``.
"""
