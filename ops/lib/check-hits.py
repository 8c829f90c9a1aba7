#!/usr/bin/env python3
"""Scores a Viroscope report's hit list (JSON) against a synthetic primary screen's truth.

Usage: check-hits.py REPORT.json SCREEN_DIR [--min-precision 0.9] [--min-recall 0.9] [--label NAME]
Truth: SCREEN_DIR/truth/compounds.csv (expected_hit = true antiviral, cytotoxic = kills cells). Prints hits,
true positives, precision, recall and how many cytotoxic compounds were called hits (must be 0); exits 1 if a
limit is missed. Used by ops/demo --screen; standard library only (the product itself never runs Python).
"""
import argparse, csv, json, os, sys

parser = argparse.ArgumentParser()
parser.add_argument("report")
parser.add_argument("screen")
parser.add_argument("--min-precision", type=float, default=0.9)
parser.add_argument("--min-recall", type=float, default=0.9)
parser.add_argument("--label", default="")
args = parser.parse_args()

report = json.load(open(args.report))
truth = list(csv.DictReader(open(os.path.join(args.screen, "truth", "compounds.csv"))))
expected = {r["compound"] for r in truth if r["expected_hit"] == "1"}
toxic = {r["compound"] for r in truth if r["cytotoxic"] == "1"}
called = {h["compound"] for h in report["hits"]}
true_positives = called & expected
precision = len(true_positives) / len(called) if called else 0.0
recall = len(true_positives) / len(expected) if expected else 1.0
toxic_hits = called & toxic
flagged = sum(1 for w in report["wells"] if w.get("cytotoxic") and w.get("treatment") in toxic)
toxic_wells = sum(1 for w in report["wells"] if w.get("treatment") in toxic)
label = args.label or report["screen"]["normalisation"]
print(f"{label:>10}: hits {len(called):3d}, true antivirals {len(expected)}, true positives {len(true_positives)}, "
      f"precision {precision:.3f}, recall {recall:.3f}, cytotoxic among hits {len(toxic_hits)}, "
      f"toxic wells flagged {flagged}/{toxic_wells}")
for name in sorted(called - expected):
    print(f"    false hit: {name}")
for name in sorted(expected - called):
    print(f"    missed:    {name}")
ok = precision >= args.min_precision and recall >= args.min_recall and not toxic_hits
sys.exit(0 if ok else 1)
