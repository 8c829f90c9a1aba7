#!/usr/bin/env python3
"""Tests of generate.py and check.py on small real outputs (no mocks). Run with ops/independent/test."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import os
import sys
import tempfile
import unittest

import numpy as np
import tifffile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check  # noqa: E402
import generate  # noqa: E402

SMALL = ["--size", "160", "--sites", "2", "--wells", "A01,A12,B06"]


def run(args):
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = generate.main(args)
    return code, err.getvalue()


def digests(folder):
    out = {}
    for dirpath, _, names in os.walk(folder):
        for n in names:
            p = os.path.join(dirpath, n)
            with open(p, "rb") as f:
                out[os.path.relpath(p, folder)] = hashlib.sha256(f.read()).hexdigest()
    return out


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


class UsageErrors(unittest.TestCase):
    def test_bad_flags_exit_2_with_one_line(self):
        cases = [
            ["--plates", "0"], ["--sites", "0"], ["--size", "10"], ["--magnification", "5x"],
            ["--virus", "flu"], ["--plate-format", "48"], ["--wells", "Z99"], ["--ic50", "nan"],
            ["--ic50", "-1"], ["--hill", "0"], ["--seed", "-3"], ["--plates", "two"], ["--jobs", "0"],
            ["--difficulty", "extreme"], ["--bit-depth", "14"],
        ]
        with tempfile.TemporaryDirectory() as d:
            for extra in cases:
                code, err = run(["--out", d] + extra)
                self.assertEqual(code, 2, extra)
                self.assertEqual(len(err.strip().splitlines()), 1, (extra, err))
                self.assertTrue(err.startswith("generate: "), err)
        code, err = run([])
        self.assertEqual(code, 2)
        self.assertIn("--out", err)

    def test_a_384_well_is_refused_on_a_96_well_plate(self):
        with tempfile.TemporaryDirectory() as d:
            code, err = run(["--out", d, "--wells", "P24"])
            self.assertEqual(code, 2)
            self.assertIn("P24", err)

    def test_a_field_too_large_for_a_16_bit_label_mask_is_refused(self):
        with tempfile.TemporaryDirectory() as d:
            code, err = run(["--out", d, "--size", "8192", "--magnification", "10x", "--cell-line", "hek293"])
            self.assertEqual(code, 2)
            self.assertIn("label mask", err)
            self.assertEqual(os.listdir(d), [])

    def test_unwritable_output_is_a_runtime_error(self):
        with tempfile.TemporaryDirectory() as d:
            blocker = os.path.join(d, "file")
            open(blocker, "w").close()
            code, err = run(["--out", blocker] + SMALL)
            self.assertEqual(code, 1)
            self.assertEqual(len(err.strip().splitlines()), 1, err)


class Output(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.out = os.path.join(cls.tmp.name, "a")
        code, err = run(["--out", cls.out, "--seed", "11"] + SMALL)
        assert code == 0, err

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_layout_and_formats(self):
        for well in ("A01", "A12", "B06"):
            for s in (1, 2):
                stem = f"PLATE01_{well}_s{s}"
                for path in (f"PLATE01/{stem}_w1.tif", f"PLATE01/{stem}_w2.tif", f"truth/{stem}_labels.tif"):
                    img = tifffile.imread(os.path.join(self.out, path))
                    self.assertEqual(img.dtype, np.uint16, path)
                    self.assertEqual(img.shape, (160, 160), path)
                rows = read_csv(os.path.join(self.out, "truth", f"{stem}.csv"))
                self.assertEqual(list(rows[0].keys()),
                                 ["label", "x", "y", "radius_major", "radius_minor", "angle", "infected", "phenotype"])
        pm = read_csv(os.path.join(self.out, "plate-map.csv"))
        self.assertEqual(list(pm[0].keys()), ["well", "treatment", "concentration", "unit", "virus", "control"])
        self.assertEqual(len(pm), 96)
        by = {r["well"]: r for r in pm}
        self.assertEqual(by["A01"]["control"], "negative")
        self.assertEqual(by["H12"]["control"], "positive")
        self.assertEqual(by["B06"]["control"], "")
        self.assertGreater(float(by["B02"]["concentration"]), float(by["B11"]["concentration"]))
        wells = read_csv(os.path.join(self.out, "truth", "wells.csv"))
        self.assertEqual(list(wells[0].keys()), ["plate", "well", "nuclei", "infected", "rate"])
        self.assertEqual(sorted(r["well"] for r in wells), ["A01", "A12", "B06"])

    def test_truth_matches_masks_and_biology(self):
        allowed = {"uninfected", "hsv1", "early", "mitotic"}
        for well, infected_allowed in (("A01", False), ("A12", True)):
            stem = f"PLATE01_{well}_s1"
            labels = tifffile.imread(os.path.join(self.out, "truth", f"{stem}_labels.tif"))
            rows = read_csv(os.path.join(self.out, "truth", f"{stem}.csv"))
            self.assertGreater(len(rows), 5)
            self.assertEqual(set(np.unique(labels)) - {0}, {int(r["label"]) for r in rows})
            for r in rows:
                self.assertIn(r["phenotype"], allowed)
                self.assertEqual(r["infected"] == "1", r["phenotype"] in ("hsv1", "early"))
                y, x = int(round(float(r["y"]))), int(round(float(r["x"])))
                self.assertTrue(0 <= x < 160 and 0 <= y < 160)
                self.assertGreaterEqual(float(r["radius_major"]), float(r["radius_minor"]))
            if not infected_allowed:
                self.assertTrue(all(r["infected"] == "0" for r in rows))
        pos = read_csv(os.path.join(self.out, "truth", "wells.csv"))
        rate = {r["well"]: float(r["rate"]) for r in pos}
        self.assertGreater(rate["A12"], 0.3)

    def test_check_script_passes(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = check.main([self.out])
        self.assertEqual(code, 0, out.getvalue())
        self.assertIn("consistent", out.getvalue())

    def test_check_script_catches_a_truth_row_missing(self):
        with tempfile.TemporaryDirectory() as d:
            bad = os.path.join(d, "b")
            import shutil
            shutil.copytree(self.out, bad)
            path = os.path.join(bad, "truth", "PLATE01_A12_s1.csv")
            with open(path) as f:
                lines = f.readlines()
            with open(path, "w") as f:
                f.writelines(lines[:-1])
            err = io.StringIO()
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
                self.assertEqual(check.main([bad]), 1)
            self.assertIn("PLATE01_A12_s1", err.getvalue())

    def test_same_seed_same_bytes_whatever_the_jobs(self):
        again = os.path.join(self.tmp.name, "again")
        code, err = run(["--out", again, "--seed", "11", "--jobs", "2"] + SMALL)
        self.assertEqual(code, 0, err)
        self.assertEqual(digests(self.out), digests(again))
        other = os.path.join(self.tmp.name, "other")
        self.assertEqual(run(["--out", other, "--seed", "12"] + SMALL)[0], 0)
        self.assertNotEqual(digests(self.out)["PLATE01/PLATE01_A12_s1_w1.tif"],
                            digests(other)["PLATE01/PLATE01_A12_s1_w1.tif"])


    def test_a_well_is_the_same_whichever_other_wells_are_made(self):
        alone = os.path.join(self.tmp.name, "alone")
        code, err = run(["--out", alone, "--seed", "11", "--size", "160", "--sites", "2", "--wells", "B06"])
        self.assertEqual(code, 0, err)
        for name in ("PLATE01/PLATE01_B06_s2_w1.tif", "PLATE01/PLATE01_B06_s2_w2.tif", "truth/PLATE01_B06_s2.csv"):
            self.assertEqual(digests(alone)[name], digests(self.out)[name], name)
        rate = lambda folder: [r["well_rate"] for r in read_csv(os.path.join(folder, "truth", "wells-expected.csv"))  # noqa: E731
                               if r["well"] == "B06"]
        self.assertEqual(rate(alone), rate(self.out))


class Variants(unittest.TestCase):
    def test_384_wells_twelve_bits_lzw_hadv(self):
        with tempfile.TemporaryDirectory() as d:
            code, err = run(["--out", d, "--plate-format", "384", "--bit-depth", "12", "--compression", "lzw",
                             "--virus", "hadv", "--size", "128", "--sites", "1", "--wells", "P24,A01,C05"])
            self.assertEqual(code, 0, err)
            pm = read_csv(os.path.join(d, "plate-map.csv"))
            self.assertEqual(len(pm), 384)
            by = {r["well"]: r for r in pm}
            self.assertEqual((by["A02"]["control"], by["P23"]["control"], by["C05"]["control"]),
                             ("negative", "positive", ""))
            with tifffile.TiffFile(os.path.join(d, "PLATE01", "PLATE01_P24_s1_w1.tif")) as t:
                self.assertEqual(t.pages[0].compression, 5)  # LZW
                img = t.asarray()
            self.assertLessEqual(int(img.max()), 4095)
            rows = read_csv(os.path.join(d, "truth", "PLATE01_P24_s1.csv"))
            self.assertTrue({r["phenotype"] for r in rows} <= {"uninfected", "hadv", "early", "mitotic"})

    def test_hard_is_harder_than_easy_for_a_plain_segmenter(self):
        recall = {}
        with tempfile.TemporaryDirectory() as d:
            for level in ("easy", "hard"):
                out = os.path.join(d, level)
                code, err = run(["--out", out, "--difficulty", level, "--size", "256", "--sites", "2",
                                 "--wells", "A12,B12,C12", "--seed", "5"])
                self.assertEqual(code, 0, err)
                tp = tru = 0
                for well in ("A12", "B12", "C12"):
                    for s in (1, 2):
                        stem = f"PLATE01_{well}_s{s}"
                        w1 = tifffile.imread(os.path.join(out, "PLATE01", f"{stem}_w1.tif"))
                        found, _, total = check.baseline_detection(w1, read_csv(os.path.join(out, "truth", f"{stem}.csv")))
                        tp += found
                        tru += total
                recall[level] = tp / tru
        self.assertGreater(recall["easy"], recall["hard"] + 0.1, recall)

    def test_magnification_sets_nucleus_size(self):
        medians = {}
        with tempfile.TemporaryDirectory() as d:
            for mag in ("10x", "20x", "40x"):
                out = os.path.join(d, mag)
                code, err = run(["--out", out, "--magnification", mag, "--size", "256", "--sites", "1",
                                 "--wells", "A01", "--seed", "3"])
                self.assertEqual(code, 0, err)
                rows = read_csv(os.path.join(out, "truth", "PLATE01_A01_s1.csv"))
                medians[mag] = float(np.median([float(r["radius_major"]) + float(r["radius_minor"]) for r in rows]))
        self.assertTrue(6 <= medians["10x"] < medians["20x"] < medians["40x"] <= 60, medians)


if __name__ == "__main__":
    runner = unittest.TextTestRunner(verbosity=2)
    result = runner.run(unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__]))
    failed = len(result.failures) + len(result.errors)
    print(f"{result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
