"""The model's mechanisms, one module each, named by its switch ``mechanisms.<name>``.

==  ====================  ================================================================
1   preferences           each adopter's ideal level per track and the most it votes for
2   perception            threat perceptions per track: socialisation, US intelligence, noise
3   eu_routes             the Commission's best measure on the EU routes open to a track
4   bargaining            a TTC round per open track: agreement, or US concessions and pressure
5   channel_choice        the US waits, takes a minilateral or acts alone, per track
6   supplier_assurance    key suppliers control together or not at all; Art. 9 and 10 measures
7   ratchet               US rule updates on observed leakage; allies extend their measures
8   countermeasures       each target chooses whether and with what to answer; fear follows
9   agenda                the TTC's attention over its tracks; hard and soft deliverables
10  regime_cascade        national lists after a vetoed regime update, and others applying them
--  shocks                dated events that move parameters during a run
==  ====================  ================================================================

Every mechanism has a switch; switched off it behaves as its absence (each module says what
that means). Structural constants live in
:mod:`sim.scenario.constants` (path ``constants.<name>``). Decisions are functions over
arrays of adopters (the 27 members, then allies, in canonical ISO order). Numbers in brackets
refer to the sources in ``sim/data/sources.md``.
"""
