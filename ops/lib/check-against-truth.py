#!/usr/bin/env python3
"""Compares a Viroscope report (JSON) of a synthetic campaign with the campaign's ground truth.

Usage: check-against-truth.py REPORT.json CAMPAIGN_DIR [--max-mae-pp 3] [--max-ic50-error 0.25]
Prints per-plate Z', the mean absolute error of per-well infection rates (percentage points) against the
truth's observed rates, and the fitted IC50 against the true one; exits 1 if a limit is exceeded.
Used by ops/demo; standard library only (the product itself never runs Python).
"""
import argparse, csv, json, os, sys

parser = argparse.ArgumentParser()
parser.add_argument("report")
parser.add_argument("campaign")
parser.add_argument("--max-mae-pp", type=float, default=3.0)
parser.add_argument("--max-ic50-error", type=float, default=0.25)
args = parser.parse_args()

report = json.load(open(args.report))
truth = json.load(open(os.path.join(args.campaign, "campaign.json")))["truth"]
rows = list(csv.DictReader(open(os.path.join(args.campaign, "truth", "wells.csv"))))
true_rate = {(r["plate"], r["well"]): float(r["infection_rate"]) for r in rows}

errors = []
for well in report["wells"]:
    key = (well["plate"], well["well"])
    if key in true_rate and well.get("infectionRate") is not None:
        errors.append(abs(well["infectionRate"] - true_rate[key]) * 100)
mae = sum(errors) / len(errors) if errors else float("nan")

ok = True
print(f"wells compared with truth: {len(errors)}")
print(f"per-well infection rate, mean absolute error: {mae:.2f} percentage points (limit {args.max_mae_pp})")
ok &= mae < args.max_mae_pp
for plate in report["plates"]:
    z = plate.get("zPrime")
    print(f"plate {plate['plate']}: Z' = {z:.3f} ({plate.get('reading')})" if z is not None else f"plate {plate['plate']}: Z' not computable")
    ok &= z is not None
for dose in report["doseResponses"]:
    fit = dose.get("fit")
    if not fit:
        print(f"{dose['treatment']}: no fit ({dose.get('failure')})")
        ok = False
        continue
    ic50 = fit["ic50"]
    error = abs(ic50 - truth["ic50"]) / truth["ic50"]
    print(f"{dose['treatment']}: IC50 {ic50:.3g} {truth['unit']} (95% CI {fit.get('ic50Lower', float('nan')):.3g}–"
          f"{fit.get('ic50Upper', float('nan')):.3g}), true {truth['ic50']:g}: error {100 * error:.1f}% "
          f"(limit {100 * args.max_ic50_error:.0f}%)")
    ok &= error <= args.max_ic50_error
print("against the truth: " + ("PASS" if ok else "FAIL"))
sys.exit(0 if ok else 1)
