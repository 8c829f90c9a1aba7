#!/usr/bin/env python3
"""Checks a folder written by generate.py and prints the figures that describe it.

Structural checks (exit 1 with one line each when broken):
  every well and site of the plate map has w1, w2, a truth table and a label mask; the images are 16-bit and
  of one size; the truth rows are exactly the labels in the mask; wells.csv adds up the truth tables.
Figures (from the images, not from the generator's own bookkeeping):
  reporter agreement - each nucleus's mean w2 inside its mask, thresholded by Otsu on log intensities over
  the control wells, compared with the truth; nucleus sizes per phenotype; signal-to-noise of w1; IC50 fitted
  (4-parameter logistic) to the truth rates and to the reporter rates, against the design.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import sys
from collections import defaultdict
from typing import Dict, List, Tuple

import numpy as np
import tifffile
from scipy.optimize import curve_fit


def otsu(values: np.ndarray) -> float:
    hist, edges = np.histogram(values, bins=256)
    centres = 0.5 * (edges[:-1] + edges[1:])
    w0 = np.cumsum(hist)
    w1 = w0[-1] - w0
    m0 = np.cumsum(hist * centres)
    mu0 = m0 / np.maximum(w0, 1)
    mu1 = (m0[-1] - m0) / np.maximum(w1, 1)
    between = w0 * w1 * (mu0 - mu1) ** 2
    return float(centres[int(np.argmax(between))])


def four_pl(c, bottom, top, log_ic50, hill):
    return bottom + (top - bottom) / (1.0 + (c / 10.0 ** log_ic50) ** hill)


def fit_ic50(conc: np.ndarray, rate: np.ndarray) -> float:
    p0 = [float(rate.min()), float(rate.max()), float(np.log10(np.median(conc))), 1.0]
    params, _ = curve_fit(four_pl, conc, rate, p0=p0, maxfev=20000,
                          bounds=([-0.2, 0.0, -6.0, 0.2], [0.5, 1.2, 6.0, 5.0]))
    return float(10.0 ** params[2])


def baseline_detection(w1: np.ndarray, rows: List[Dict[str, str]]) -> Tuple[int, int, int]:
    """A deliberately plain segmenter - Gaussian smoothing, Otsu on log intensities, connected components, no
    declumping - matched to the truth centroids. Its recall and precision say how hard a setting is: touching
    nuclei merge, dim ones vanish, debris adds false objects. Returns (true positives, detections, truth).
    """
    from scipy import ndimage
    smooth = ndimage.gaussian_filter(w1.astype(np.float32), 1.0)
    logi = np.log1p(np.maximum(smooth - np.percentile(smooth, 1), 0))
    mask = logi > otsu(logi.ravel())
    objects, n = ndimage.label(mask)
    if n == 0:
        return 0, 0, len(rows)
    sizes = np.bincount(objects.ravel())
    keep = np.nonzero(sizes >= 9)[0]
    keep = keep[keep > 0]
    # One detection matches at most one truth nucleus: the truth centroid must fall inside it, first come.
    used = set()
    tp = 0
    for r in rows:
        yi, xi = int(round(float(r["y"]))), int(round(float(r["x"])))
        yi, xi = min(max(yi, 0), w1.shape[0] - 1), min(max(xi, 0), w1.shape[1] - 1)
        o = int(objects[yi, xi])
        if o and sizes[o] >= 9 and o not in used:
            used.add(o)
            tp += 1
    return tp, len(keep), len(rows)


def main(argv: List[str]) -> int:
    ap = argparse.ArgumentParser(prog="check", description=__doc__.split("\n")[0])
    ap.add_argument("folder", help="output folder of ops/independent/generate")
    ap.add_argument("--ic50", type=float, default=1.0, help="the IC50 the plates were made with (default 1)")
    ap.add_argument("--baseline-fields", type=int, default=24,
                    help="fields to run the plain baseline segmenter on, spread over the plate (default 24, 0: none)")
    a = ap.parse_args(argv)
    root = a.folder
    problems: List[str] = []
    try:
        with open(os.path.join(root, "plate-map.csv"), newline="") as f:
            plate_map = {r["well"]: r for r in csv.DictReader(f)}
        with open(os.path.join(root, "truth", "wells.csv"), newline="") as f:
            wells_rows = list(csv.DictReader(f))
    except OSError as e:
        print(f"check: {e.filename}: {e.strerror}", file=sys.stderr)
        return 1

    stems: List[Tuple[str, str, str]] = []  # plate, well, stem
    for plate in sorted(d for d in os.listdir(root) if d.startswith("PLATE")):
        for name in sorted(os.listdir(os.path.join(root, plate))):
            if name.endswith("_w1.tif"):
                stem = name[:-len("_w1.tif")]
                stems.append((plate, stem.split("_")[1], stem))
    if not stems:
        print(f"check: {root}: no PLATE*/..._w1.tif images", file=sys.stderr)
        return 1

    per_nucleus: List[Tuple[str, str, int, float, str, float]] = []  # plate, well, infected, mean w2, phenotype, area
    per_well_truth: Dict[Tuple[str, str], List[int]] = defaultdict(lambda: [0, 0])
    snr: List[float] = []
    shape = None
    baseline = [0, 0, 0]
    baseline_done = 0
    stems_seen = 0
    baseline_every = max(1, len(stems) // a.baseline_fields) if a.baseline_fields > 0 else 0
    for plate, well, stem in stems:
        if well not in plate_map:
            problems.append(f"{stem}: well {well} is not in plate-map.csv")
        try:
            w1 = tifffile.imread(os.path.join(root, plate, f"{stem}_w1.tif"))
            w2 = tifffile.imread(os.path.join(root, plate, f"{stem}_w2.tif"))
            labels = tifffile.imread(os.path.join(root, "truth", f"{stem}_labels.tif"))
            with open(os.path.join(root, "truth", f"{stem}.csv"), newline="") as f:
                rows = list(csv.DictReader(f))
        except OSError as e:
            problems.append(f"{stem}: {e.filename}: {e.strerror}")
            continue
        for what, img in (("w1", w1), ("w2", w2), ("labels", labels)):
            if img.dtype != np.uint16 or img.ndim != 2:
                problems.append(f"{stem}: {what} is {img.dtype} {img.shape}, expected 2-D uint16")
        shape = shape or w1.shape
        if w1.shape != shape or w2.shape != shape or labels.shape != shape:
            problems.append(f"{stem}: image sizes differ")
            continue
        n = len(rows)
        present = np.unique(labels)
        present = present[present > 0]
        if len(present) != n or (n and (present[0] != 1 or present[-1] != n)):
            problems.append(f"{stem}: mask has labels {len(present)} (max {present.max() if n else 0}), truth rows {n}")
            continue
        flat = labels.ravel().astype(np.int64)
        area = np.bincount(flat, minlength=n + 1)
        s2 = np.bincount(flat, weights=w2.ravel().astype(np.float64), minlength=n + 1)
        s1 = np.bincount(flat, weights=w1.ravel().astype(np.float64), minlength=n + 1)
        back = w1[labels == 0]
        if back.size > 100 and n:
            b_med = float(np.median(back))
            b_sd = float(np.std(back[back < np.percentile(back, 90)]))
            snr.append((float(np.median(s1[1:] / area[1:])) - b_med) / max(b_sd, 1e-6))
        for r in rows:
            i = int(r["label"])
            x, y = float(r["x"]), float(r["y"])
            yi, xi = int(round(y)), int(round(x))
            if not (0 <= xi < shape[1] and 0 <= yi < shape[0]):
                problems.append(f"{stem}: label {i} centroid ({x}, {y}) outside the image")
            per_nucleus.append((plate, well, int(r["infected"]), s2[i] / area[i], r["phenotype"], float(area[i])))
            acc = per_well_truth[(plate, well)]
            acc[0] += 1
            acc[1] += int(r["infected"])
        if baseline_every and stems_seen % baseline_every == 0 and baseline_done < a.baseline_fields:
            tp, det, tru = baseline_detection(w1, rows)
            baseline[0] += tp
            baseline[1] += det
            baseline[2] += tru
            baseline_done += 1
        stems_seen += 1

    for r in wells_rows:
        got = per_well_truth.get((r["plate"], r["well"]))
        if got is None or got[0] != int(r["nuclei"]) or got[1] != int(r["infected"]):
            problems.append(f"wells.csv {r['plate']} {r['well']}: {r['nuclei']}/{r['infected']} but truth tables say {got}")

    # Reporter labels from the images: Otsu on log mean w2 over the control wells, applied everywhere.
    ctrl = np.array([math.log(m) for p, w, _, m, _, _ in per_nucleus if plate_map.get(w, {}).get("control")])
    allm = np.array([math.log(m) for _, _, _, m, _, _ in per_nucleus])
    thr = otsu(ctrl if ctrl.size > 50 else allm)
    truth = np.array([t for _, _, t, _, _, _ in per_nucleus])
    rep = allm > thr
    agree = float(np.mean(rep == truth.astype(bool)))
    print(f"fields {len(stems)}, nuclei {len(per_nucleus)}, truth infected {truth.mean():.3f}")
    print(f"reporter (Otsu on log mean w2 of control nuclei, threshold {math.exp(thr):.0f} ADU): "
          f"agrees with truth on {100 * agree:.1f} % "
          f"(infected but reporter-negative {100 * np.mean(truth.astype(bool) & ~rep):.1f} %, "
          f"uninfected but reporter-positive {100 * np.mean(~truth.astype(bool) & rep):.1f} %)")
    if snr:
        print(f"w1 signal-to-noise (median nucleus minus background, over background sd): "
              f"median {np.median(snr):.0f}, 5th percentile {np.percentile(snr, 5):.0f}")

    if baseline[2]:
        print(f"plain baseline segmenter (log-Otsu, no declumping) on {baseline_done} fields: recall "
              f"{baseline[0] / baseline[2]:.3f}, precision {baseline[0] / max(baseline[1], 1):.3f}")
    print("phenotype      count   share   visible-area diameter px (5th / median / 95th)")
    phen: Dict[str, List[float]] = defaultdict(list)
    for *_, ph, ar in per_nucleus:
        phen[ph].append(2.0 * math.sqrt(ar / math.pi))
    for ph in sorted(phen):
        d = np.array(phen[ph])
        print(f"{ph:<12} {d.size:7d}  {100 * d.size / len(per_nucleus):5.1f} %   "
              f"{np.percentile(d, 5):5.1f} / {np.median(d):5.1f} / {np.percentile(d, 95):5.1f}")

    # Dose-response over the drug wells of every plate.
    by_conc_truth: Dict[float, List[float]] = defaultdict(list)
    by_conc_rep: Dict[float, List[float]] = defaultdict(list)
    rep_well: Dict[Tuple[str, str], List[int]] = defaultdict(lambda: [0, 0])
    for (p, w, _, m, _, _), r in zip(per_nucleus, rep):
        rep_well[(p, w)][0] += 1
        rep_well[(p, w)][1] += int(r)
    for (p, w), (n, i) in per_well_truth.items():
        pm = plate_map.get(w)
        if pm is None or pm["control"] or n == 0:
            continue
        c = float(pm["concentration"])
        by_conc_truth[c].append(i / n)
        by_conc_rep[c].append(rep_well[(p, w)][1] / n)
    if len(by_conc_truth) >= 5:
        conc = np.array(sorted(by_conc_truth))
        for name, data in (("truth", by_conc_truth), ("reporter", by_conc_rep)):
            rate = np.array([np.mean(data[c]) for c in conc])
            try:
                print(f"IC50 fitted to {name} rates: {fit_ic50(conc, rate):.3g} uM (design {a.ic50:g} uM)")
            except (RuntimeError, ValueError) as e:
                print(f"IC50 fitted to {name} rates: no fit ({e})")
    for key in ("negative", "positive"):
        rates = [i / n for (p, w), (n, i) in per_well_truth.items() if n and plate_map.get(w, {}).get("control") == key]
        if rates:
            print(f"{key} controls: truth rate mean {np.mean(rates):.3f}, sd {np.std(rates):.3f} over {len(rates)} wells")

    for p in problems[:20]:
        print(f"check: {p}", file=sys.stderr)
    if problems:
        print(f"check: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print("check: layout, masks and truth tables consistent")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
