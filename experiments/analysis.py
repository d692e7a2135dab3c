"""Regenerate every explanation and calibration result (``make analysis``).

1. ``experiments/validation.py``: the shipped scenarios against dated events;
2. ``experiments/counterfactuals.py``: the what-ifs of ``scenarios/counterfactuals/``;
3. ``ttcsim sensitivity``: Sobol indices of ``china_2022``'s track outcomes over 14 inputs;
4. ``ttcsim discover``: PRIM boxes over that design (where does coordination become likely?
   where does the US act early? where do the Dutch adopt by 2023-12?);
5. ``ttcsim calibrate``: ABC-SMC posteriors for the joint and the one-track scenarios, written to
   ``scenarios/calibrated/`` with their reports in ``results/calibration/``;
6. ``experiments/holdout.py``: the calibrated joint scenario's predictions of the held-out events
   against the prior predictive and the static null model (``results/holdout.{md,png}``);
7. ``experiments/ablations.py``: each mechanism of the calibrated joint scenario switched off in
   turn (``results/ablations.md``).

Usage: ``python experiments/analysis.py [--quick] [--workers K]``. ``--quick`` uses small
sizes (a smoke test; its outputs go to a temporary folder unless ``--out`` is given).
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

# Factors of the sensitivity analysis and their ranges, as version-2 paths of china_2022's
# track: wide, plausible bounds around the shipped values (the scenario's own distributions are
# much narrower). A track key is used where the file sets one (a general key would not beat it).
SENSITIVITY = {
    "tracks.china_sme.us.threat": "0.6:1",
    "tracks.china_sme.us.patience": "4:36",
    "tracks.china_sme.us.reach": "0:1",
    "tracks.china_sme.us.exemption": "0:1",
    "us.pressure": "0:0.5",
    "us.concession": "0:0.3",
    "commission.brokerage": "0:1",
    "commission.autonomy": "0:1",
    "tracks.china_sme.members.*.threat": "0.1:0.9",
    "tracks.china_sme.members.NL.exposure": "0:0.6",
    "tracks.china_sme.members.NL.us_dependence": "0.3:1",
    "tracks.china_sme.members.DE.retaliation_fear": "0.2:0.9",
    "targets.CN.retaliation": "0:1",
    "tracks.china_sme.target.availability": "0.1:0.6",
}
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
    args = ap.parse_args(argv)
    out = args.out or (Path(tempfile.mkdtemp(prefix="ttcsim-analysis-")) if args.quick else ROOT / "results")
    calibrated = (out / "calibrated") if args.quick or args.out else ROOT / "scenarios" / "calibrated"
    out.mkdir(parents=True, exist_ok=True)
    calibrated.mkdir(parents=True, exist_ok=True)
    w = ["--workers", str(args.workers)] if args.workers else []
    q = args.quick

    sys.path.insert(0, str(EXPERIMENTS))
    import counterfactuals
    import validation

    validation.main(["--runs", "60" if q else "1000", "--out", str(out), *w])
    counterfactuals.main(["--runs", "40" if q else "1000", "--out", str(out), *w])

    sens = out / "sensitivity" / "china_2022"
    factors = list(SENSITIVITY)
    ranges = [a for p, r in SENSITIVITY.items() for a in ("--range", f"{p}={r}")]
    run(
        "sensitivity",
        [
            "sensitivity",
            str(ROOT / "scenarios" / "china_2022.toml"),
            "--method",
            "sobol",
            "--n",
            "16" if q else "512",
            "--replications",
            "2" if q else "6",
            "--seed",
            "1",
            "--params",
            *factors,
            *ranges,
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
                str(out / "discovery" / f"china_2022_{name}"),
                "--force",
            ],
        )
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
    # after the calibration: both read the calibrated joint scenario
    import ablations
    import holdout

    joint = ["--scenario", str(calibrated / "ttc_2021_2025.toml"), "--out", str(out), *w]
    joint += ["--runs", "20"] if q else []  # else the scripts' own sizes
    holdout.main(joint)
    ablations.main(joint)
    print(f"analysis written to {out} (calibrated scenarios in {calibrated})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
