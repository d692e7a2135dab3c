"""Regenerate every explanation and calibration result (``make analysis``).

1. ``experiments/validation.py``: the shipped scenarios against dated events;
2. ``experiments/counterfactuals.py``: the what-ifs of ``scenarios/counterfactuals/``;
3. ``ttcsim sensitivity --prior``: Sobol indices of the joint scenario's key outcomes
   (:data:`SENSITIVITY_OUTPUTS`) over its broad prior, every assumed input and every constant
   together (``sim/analysis/priors.py``), with replications and the noise share, in
   ``results/sensitivity/ttc_2021_2025/`` (n = 64, 4 replications; ``--quick``: n = 2, 2);
4. ``ttcsim discover``: PRIM boxes over that design's runs (where does coordination on China
   become likely? where does the US act early? where do the Dutch adopt by 2023-12?), in
   ``results/discovery/ttc_2021_2025_<name>/``;
5. ``ttcsim calibrate``: ABC-SMC posteriors for the joint and the one-track scenarios, written to
   ``scenarios/calibrated/`` with their reports in ``results/calibration/``;
6. ``experiments/holdout.py``: the calibrated joint scenario's predictions of the held-out events
   against the prior predictive and the static null model (``results/holdout.{md,png}``);
7. ``experiments/ablations.py``: each mechanism of the calibrated joint scenario switched off in
   turn (``results/ablations.md``);
8. ``experiments/uncertainty.py``: the prior predictive of each section 7 pattern (shipped,
   calibrated, broad prior, broad prior with the posterior) and its nearest tipping points,
   in ``results/uncertainty.md`` and ``.png`` (its default sizes; ``--quick``: its smoke sizes).

Usage: ``python experiments/analysis.py [--quick] [--workers K] [--only STEP ...]``. ``--quick``
uses small sizes (a smoke test; its outputs go to a temporary folder unless ``--out`` is given);
``--only`` runs the named steps (:data:`STEPS`; the later steps read the calibrated scenarios
already in place).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from sim.cli import main as ttcsim

ROOT = Path(__file__).resolve().parent.parent
EXPERIMENTS = Path(__file__).resolve().parent

# The joint scenario's key outcomes whose Sobol indices the sensitivity step reports: Russia
# coordinated; the US acting first outside the TTC on chip tools; the Dutch and Japanese measures
# in force by 2023-12 (month 30); the month of the first US rule on chip tools (censored at the
# horizon); Spain's list by 2023-06; the soft share of TTC-3 and TTC-4.
SENSITIVITY_OUTPUTS = [
    "russia_dual_use.coordinated",
    "china_sme.channel in ['unilateral', 'minilateral']",
    "china_sme.national:NL <= 30",
    "china_sme.national:JP <= 30",
    "china_sme.first_us_rule",
    "emerging_tech.national:ES <= 24",
    "soft_share:2022-12,2023-05",
]
DISCOVER = {
    "coordinated": "china_sme.coordinated",
    "early_us_rule": "china_sme.first_us_rule < 12",
    "nl_national": "china_sme.national:NL <= 30",
}
# Calibrated on the targets of scenarios/targets/ (facts decided by 2023-06-30); the joint
# scenario's posterior is the one the README reports.
CALIBRATE = {
    "ttc_2021_2025": [
        "tracks.china_sme.us.patience=4:30",
        "tracks.china_sme.us.lag=0:4",
        "tracks.china_sme.members.NL.lag=2:18",
        "tracks.china_sme.allies.JP.lag=2:18",
        "tracks.china_sme.members.DE.retaliation_fear=0.2:0.9",
    ],
    "china_2022": [
        "tracks.china_sme.us.patience=4:30",
        "tracks.china_sme.us.lag=0:4",
        "tracks.china_sme.members.NL.lag=2:18",
        "tracks.china_sme.members.DE.retaliation_fear=0.2:0.9",
        "tracks.china_sme.us.exemption=0:1",
    ],
    "russia_2022": ["us.concession=0:0.5", "commission.brokerage=0:1", "ttc.tolerance=0.05:0.3"],
}


STEPS = ("validation", "counterfactuals", "sensitivity", "calibrate", "holdout", "ablations", "uncertainty")
"""The steps in order (``sensitivity`` includes the discovery over its runs)."""


def run(step: str, argv: list[str]) -> None:
    t = time.time()
    print(f"== {step}: ttcsim {' '.join(argv)}", flush=True)
    code = ttcsim(argv)
    if code:
        raise SystemExit(f"{step} failed (exit {code})")
    print(f"== {step} done in {time.time() - t:.1f} s", flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--workers", type=int)
    ap.add_argument("--out", type=Path)
    ap.add_argument(
        "--only", nargs="+", choices=STEPS, metavar="STEP", help=f"run these steps: {', '.join(STEPS)}"
    )
    args = ap.parse_args(argv)
    steps = set(args.only or STEPS)
    out = args.out or (Path(tempfile.mkdtemp(prefix="ttcsim-analysis-")) if args.quick else ROOT / "results")
    calibrated = (out / "calibrated") if args.quick or args.out else ROOT / "scenarios" / "calibrated"
    out.mkdir(parents=True, exist_ok=True)
    calibrated.mkdir(parents=True, exist_ok=True)
    w = ["--workers", str(args.workers)] if args.workers else []
    q = args.quick

    sys.path.insert(0, str(EXPERIMENTS))
    import counterfactuals
    import validation

    if "validation" in steps:
        validation.main(["--runs", "60" if q else "1000", "--out", str(out), *w])
    if "counterfactuals" in steps:
        counterfactuals.main(["--runs", "40" if q else "1000", "--out", str(out), *w])

    if "sensitivity" in steps:
        sens = out / "sensitivity" / "ttc_2021_2025"
        run(
            "sensitivity",
            [
                "sensitivity",
                str(ROOT / "scenarios" / "ttc_2021_2025.toml"),
                "--prior",
                "--method",
                "sobol",
                "--n",
                "2" if q else "64",
                "--replications",
                "2" if q else "4",
                "--seed",
                "1",
                "--outputs",
                *SENSITIVITY_OUTPUTS,
                "--out",
                str(sens),
                "--force",
                *w,
            ],
        )
        for name, expr in DISCOVER.items():
            run(
                f"discover {name}",
                [
                    "discover",
                    str(sens / "runs.parquet"),
                    "--outcome",
                    expr,
                    "--out",
                    str(out / "discovery" / f"ttc_2021_2025_{name}"),
                    "--force",
                ],
            )
    if "calibrate" in steps:
        for name, params in CALIBRATE.items():
            run(
                f"calibrate {name}",
                [
                    "calibrate",
                    str(ROOT / "scenarios" / f"{name}.toml"),
                    "--targets",
                    str(ROOT / "scenarios" / "targets" / f"{name}.toml"),
                    "--params",
                    *params,
                    "--particles",
                    "30" if q else "200",
                    "--replications",
                    "6" if q else "20",
                    "--generations",
                    "2" if q else "4",
                    "--seed",
                    "1",
                    "--out",
                    str(calibrated / f"{name}.toml"),
                    "--report-dir",
                    str(out / "calibration"),
                    "--force",
                    *w,
                ],
            )
    # after the calibration: these read the calibrated joint scenario
    import ablations
    import holdout
    import uncertainty

    joint = calibrated / "ttc_2021_2025.toml"
    sizes = ["--runs", "20"] if q else []  # else the scripts' own sizes
    if "holdout" in steps:
        holdout.main(["--scenario", str(joint), "--out", str(out), *sizes, *w])
    if "ablations" in steps:
        ablations.main(["--scenario", str(joint), "--out", str(out), *sizes, *w])
    if "uncertainty" in steps:
        uncertainty.main(["--out", str(out), "--calibrated", str(joint), *(["--quick"] if q else []), *w])
    print(f"analysis written to {out} (calibrated scenarios in {calibrated})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
