#!/usr/bin/env python3
"""Peer for ops/bench-imaging: generates nuclei test images with known centroids, and runs the equivalent
tifffile / scikit-image pipeline so our TIFF reader and segmentation can be compared in the same run.

  generate OUTDIR --size 2048 --count 900 --seed 1   -> OUTDIR/nuclei-SEED-{lzw,raw}.tif + nuclei-SEED.truth.json
  decode FILE --repeat N                              -> JSON: median ms, MB/s (tifffile.imread)
  segment FILE --repeat N                             -> JSON: median ms, nuclei centroids (scikit-image)
  f1 TRUTH.json RESULT.json                           -> JSON: detection F1 of RESULT's centroids (ours or peer)
  segment FILE --labels OUT.tif                       -> also writes the peer's label image
  score TRUTH.labels.tif FOUND.labels.tif             -> JSON: detection F1 by centroid and by IoU >= 0.5,
                                                         splits and merges, against a label image (real data)
"""
import argparse
import json
import sys
import time

import numpy as np


def generate(args):
    import tifffile
    from scipy import ndimage as ndi

    rng = np.random.default_rng(args.seed)
    n = args.size
    yy, xx = np.mgrid[0:n, 0:n].astype(np.float32)
    # Uneven illumination: background from ~300 at the corners to ~3000 at a bright spot.
    cx0, cy0 = rng.uniform(0.3, 0.7) * n, rng.uniform(0.3, 0.7) * n
    background = 300 + 2700 * np.exp(-(((xx - cx0) ** 2 + (yy - cy0) ** 2) / (2 * (0.45 * n) ** 2)))
    signal = np.zeros((n, n), np.float32)
    truth = []
    attempts = 0
    while len(truth) < args.count and attempts < args.count * 50:
        attempts += 1
        a = rng.uniform(5, 18)
        b = a * rng.uniform(0.65, 1.0)
        if len(truth) > 0 and rng.uniform() < 0.25:
            # A touching neighbour: centre 1.6-1.85 radii from an existing nucleus.
            px, py, pa = truth[rng.integers(len(truth))][:3]
            angle = rng.uniform(0, 2 * np.pi)
            d = (pa + a) * rng.uniform(0.8, 0.92)
            cx, cy = px + d * np.cos(angle), py + d * np.sin(angle)
            touching = True
        else:
            cx, cy = rng.uniform(a + 3, n - a - 3), rng.uniform(a + 3, n - a - 3)
            touching = False
        if not (a + 3 < cx < n - a - 3 and a + 3 < cy < n - a - 3):
            continue
        limit = 0.8 if touching else 1.15
        if any(np.hypot(cx - t[0], cy - t[1]) < limit * (a + t[2]) for t in truth if not touching or np.hypot(cx - t[0], cy - t[1]) > 1):
            continue
        theta = rng.uniform(0, np.pi)
        r = int(np.ceil(a)) + 2
        x0, x1, y0, y1 = int(cx) - r, int(cx) + r + 1, int(cy) - r, int(cy) + r + 1
        sx, sy = xx[y0:y1, x0:x1] - cx, yy[y0:y1, x0:x1] - cy
        u = sx * np.cos(theta) + sy * np.sin(theta)
        v = -sx * np.sin(theta) + sy * np.cos(theta)
        inside = (u / a) ** 2 + (v / b) ** 2 <= 1
        brightness = rng.uniform(5000, 25000)
        texture = rng.uniform(0.85, 1.15, size=inside.shape)
        patch = signal[y0:y1, x0:x1]
        patch[inside] = np.maximum(patch[inside], brightness * texture[inside])
        truth.append((float(cx), float(cy), float(a)))
    signal = ndi.gaussian_filter(signal, 1.0)
    image = background + signal + rng.normal(0, 60, size=(n, n))
    image = np.clip(np.round(image), 0, 65535).astype(np.uint16)
    stem = f"{args.outdir}/nuclei-{args.seed}"
    tifffile.imwrite(f"{stem}-lzw.tif", image, compression="lzw", predictor=2, rowsperstrip=64)
    tifffile.imwrite(f"{stem}-raw.tif", image, rowsperstrip=64)
    with open(f"{stem}.truth.json", "w") as f:
        json.dump({"centroids": [[t[0], t[1]] for t in truth]}, f)
    print(json.dumps({"images": [f"{stem}-lzw.tif", f"{stem}-raw.tif"], "nuclei": len(truth)}))


def decode(args):
    import tifffile

    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        image = tifffile.imread(args.file)
        times.append((time.perf_counter() - start) * 1e3)
    ms = float(np.median(times))
    print(json.dumps({"decodeMilliseconds": ms, "decodeMegabytesPerSecond": image.nbytes / 1e6 / (ms / 1e3)}))


def segment_once(path, labels_out=None):
    import tifffile
    from scipy import ndimage as ndi
    from skimage import feature, filters, measure, segmentation

    image = tifffile.imread(path).astype(np.float32)
    smoothed = filters.gaussian(image, sigma=1.0, preserve_range=True)
    mask = smoothed > filters.threshold_otsu(smoothed)
    mask = ndi.binary_fill_holes(mask)
    distance = ndi.distance_transform_edt(mask)
    components, _ = ndi.label(mask, structure=np.ones((3, 3)))
    peaks = feature.peak_local_max(distance, min_distance=6, labels=components, exclude_border=False)
    markers = np.zeros(mask.shape, np.int32)
    markers[tuple(peaks.T)] = np.arange(1, len(peaks) + 1)
    labels = segmentation.watershed(-distance, markers, mask=mask)
    labels = segmentation.clear_border(labels)
    nuclei = []
    dropped = []
    for region in measure.regionprops(labels, intensity_image=image):
        if not 40 <= region.area <= 4000:
            dropped.append(region.label)
        else:
            cy, cx = region.centroid
            nuclei.append({"centroidX": float(cx), "centroidY": float(cy), "area": int(region.area),
                           "mean": float(region.intensity_mean), "eccentricity": float(region.eccentricity),
                           "solidity": float(region.solidity), "perimeter": float(region.perimeter)})
    if labels_out:
        labels[np.isin(labels, dropped)] = 0
        tifffile.imwrite(labels_out, labels.astype(np.uint16))
    return nuclei


def segment(args):
    times = []
    nuclei = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        nuclei = segment_once(args.file, args.labels)
        times.append((time.perf_counter() - start) * 1e3)
    print(json.dumps({"segmentMilliseconds": float(np.median(times)), "count": len(nuclei), "nuclei": nuclei}))


def f1(args):
    truth = np.array(json.load(open(args.truth))["centroids"]).reshape(-1, 2)
    found = json.load(open(args.result))["nuclei"]
    found = np.array([[n["centroidX"], n["centroidY"]] for n in found]).reshape(-1, 2)
    pairs = []
    for i, f in enumerate(found):
        d = np.hypot(truth[:, 0] - f[0], truth[:, 1] - f[1])
        for j in np.nonzero(d <= args.radius)[0]:
            pairs.append((d[j], i, j))
    pairs.sort()
    used_f, used_t = set(), set()
    for _, i, j in pairs:
        if i not in used_f and j not in used_t:
            used_f.add(i)
            used_t.add(j)
    tp = len(used_f)
    # Truth nuclei cut by the border filter cannot be found by either pipeline: same truth for both.
    score = 2 * tp / max(1, len(found) + len(truth))
    print(json.dumps({"f1": score, "found": len(found), "truth": len(truth), "matched": tp}))


def score(args):
    """Scores a label image against truth labels. Truth nuclei touching the image border are left out (both
    pipelines drop border nuclei), and so are found objects whose pixels lie mostly on those border nuclei.

    - centroid F1: a found nucleus matches a truth nucleus when its centroid lies inside it (one to one);
    - IoU F1: a match needs intersection over union >= 0.5 (at most one such partner exists);
    - merges: found objects that hold the majority of two or more truth nuclei (counted as extra nuclei lost);
    - splits: truth nuclei that hold the majority of two or more found objects (counted as extra objects made).
    """
    import tifffile
    from skimage import segmentation

    truth = tifffile.imread(args.truth).astype(np.int64)
    found = tifffile.imread(args.found).astype(np.int64)
    border = segmentation.clear_border(truth) != truth
    border_ids = np.unique(truth[border])
    border_ids = border_ids[border_ids > 0]
    truth_ids = np.setdiff1d(np.unique(truth), np.concatenate([[0], border_ids]))
    found_ids = np.unique(found)
    found_ids = found_ids[found_ids > 0]
    # Joint histogram of (found, truth) pixel pairs.
    size_t, size_f = truth.max() + 1, found.max() + 1
    joint = np.bincount((found * size_t + truth).ravel(), minlength=size_f * size_t).reshape(size_f, size_t)
    area_t, area_f = joint.sum(axis=0), joint.sum(axis=1)
    keep_found = [f for f in found_ids if joint[f, border_ids].sum() * 2 <= area_f[f]]
    truth_set = set(int(t) for t in truth_ids)
    # Centroid matching.
    ys, xs = np.indices(found.shape)
    counts = np.bincount(found.ravel(), minlength=size_f)
    cy = np.bincount(found.ravel(), weights=ys.ravel(), minlength=size_f) / np.maximum(counts, 1)
    cx = np.bincount(found.ravel(), weights=xs.ravel(), minlength=size_f) / np.maximum(counts, 1)
    claimed = set()
    centroid_tp = 0
    for f in keep_found:
        t = int(truth[min(truth.shape[0] - 1, int(round(cy[f]))), min(truth.shape[1] - 1, int(round(cx[f])))])
        if t in truth_set and t not in claimed:
            claimed.add(t)
            centroid_tp += 1
    # IoU matching: IoU > 0.5 pairs are unique on both sides.
    iou_tp = 0
    for f in keep_found:
        row = joint[f]
        t = int(np.argmax(row[1:]) + 1) if row[1:].any() else 0
        if t in truth_set:
            iou = row[t] / (area_f[f] + area_t[t] - row[t])
            if iou >= 0.5:
                iou_tp += 1
    merges = 0
    for f in keep_found:
        held = [t for t in truth_ids if joint[f, t] * 2 > area_t[t]]
        merges += max(0, len(held) - 1)
    splits = 0
    for t in truth_ids:
        held = [f for f in keep_found if joint[f, t] * 2 > area_f[f]]
        splits += max(0, len(held) - 1)
    n_found, n_truth = len(keep_found), len(truth_ids)
    print(json.dumps({
        "truth": n_truth, "found": n_found,
        "centroidF1": 2 * centroid_tp / max(1, n_found + n_truth),
        "iouF1": 2 * iou_tp / max(1, n_found + n_truth),
        "splits": splits, "merges": merges}))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate")
    g.add_argument("outdir")
    g.add_argument("--size", type=int, default=2048)
    g.add_argument("--count", type=int, default=900)
    g.add_argument("--seed", type=int, default=1)
    for name in ("decode", "segment"):
        p = sub.add_parser(name)
        p.add_argument("file")
        p.add_argument("--repeat", type=int, default=3)
        if name == "segment":
            p.add_argument("--labels", help="write the label image here")
    s = sub.add_parser("f1")
    s.add_argument("truth")
    s.add_argument("result")
    s.add_argument("--radius", type=float, default=5.0)
    sc = sub.add_parser("score")
    sc.add_argument("truth")
    sc.add_argument("found")
    args = parser.parse_args()
    {"generate": generate, "decode": decode, "segment": segment, "f1": f1, "score": score}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
