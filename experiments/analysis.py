"""Regenerate every explanation and calibration result (``make analysis``).

1. ``experiments/validation.py``: the shipped scenarios against dated events;
2. ``experiments/counterfactuals.py``: the what-ifs of ``scenarios/counterfactuals/``;
3. ``ttcsim sensitivity``: Sobol indices of ``china_2022`` over 14 preferences;
4. ``ttcsim discover``: PRIM boxes over that design (where does coordination become likely?
   where does the US act early?);
5. ``ttcsim calibrate``: ABC-SMC posteriors for both shipped scenarios, written to
   ``scenarios/calibrated/`` with their reports in ``results/calibration/``.

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

# Factors of the sensitivity analysis and their ranges: wide, plausible bounds around the
# shipped values (the scenario's own distributions are much narrower).
SENSITIVITY = {
    "us.threat": "0.6:1",
    "us.patience": "4:36",
    "us.reach": "0:1",
    "us.exemption": "0:1",
    "us.pressure": "0:0.5",
    "us.concession": "0:0.3",
    "commission.brokerage": "0:1",
    "commission.autonomy": "0:1",
    "members.*.threat": "0.1:0.9",
    "members.NL.exposure": "0:0.6",
    "members.NL.us_dependence": "0.3:1",
    "members.DE.retaliation_fear": "0.2:0.9",
    "target.retaliation": "0:1",
    "target.availability": "0.1:0.6",
}
DISCOVER = {
    "coordinated": "coordinated",
    "early_unilateral": "month_unilateral < 12",
}
CALIBRATE = {
    "china_2022": [
        "us.patience=4:30",
        "us.lag=0:4",
        "members.NL.lag=2:18",
        "members.DE.retaliation_fear=0.2:0.9",
        "us.exemption=0:1",
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
    print(f"analysis written to {out} (calibrated scenarios in {calibrated})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
