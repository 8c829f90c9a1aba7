#!/usr/bin/env python3
"""Independent synthetic plates of virus-infected nuclei, with known truth.

Written from a model of the biology and the optics, without reading Viroscope's own generator, so that
checks made on these plates are not the product agreeing with itself. See README.md beside this file.

Layout written under --out:
  PLATE01/PLATE01_A01_s1_w1.tif      nuclear stain (Hoechst/H2B-like), 16-bit
  PLATE01/PLATE01_A01_s1_w2.tif      GFP reporter, 16-bit
  plate-map.csv                      well,treatment,concentration,unit,virus,control
  truth/PLATE01_A01_s1.csv           label,x,y,radius_major,radius_minor,angle,infected,phenotype
  truth/PLATE01_A01_s1_labels.tif    16-bit label mask (0 background, value = label)
  truth/wells.csv                    plate,well,nuclei,infected,rate
  truth/wells-expected.csv           plate,well,expected_rate,well_rate,viability,reporter_agreement (the design)
  truth/fields.csv                   plate,well,site,nuclei,infected,debris,blur_px,photons (per-field conditions)
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import sys
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from scipy import ndimage
import tifffile


# --------------------------------------------------------------------------------------------------
# Fixed descriptions of the instrument, the cells and the difficulty levels
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Objective:
    """An objective on a 6.5 µm-pixel sCMOS camera binned 2x2, as high-content imagers are usually run."""
    name: str
    pixel_um: float      # object-side pixel size
    na: float            # numerical aperture: sets the diffraction blur
    defocus_scale: float  # how many pixels of blur one 'unit' of defocus gives (depth of field shrinks with NA)


OBJECTIVES: Dict[str, Objective] = {
    "10x": Objective("10x", 1.30, 0.45, 0.6),
    "20x": Objective("20x", 0.65, 0.75, 1.0),
    "40x": Objective("40x", 0.325, 0.95, 2.0),
}


@dataclass(frozen=True)
class CellLine:
    """Nuclear geometry of a cell line, in micrometres, and how it grows."""
    name: str
    diameter_um: float   # mean major-axis diameter of an interphase nucleus
    aspect: float        # mean minor/major axis ratio
    irregularity: float  # scale of the Fourier perturbation of the outline
    aligned: float       # 0: random orientations; 1: neighbours aligned in streams (fibroblasts)
    clumping: float      # extra fraction of nuclei in touching/overlapping clumps


CELL_LINES: Dict[str, CellLine] = {
    "vero": CellLine("vero", 15.0, 0.72, 1.0, 0.2, 0.0),
    "hela": CellLine("hela", 13.5, 0.80, 1.2, 0.0, 0.05),
    "a549": CellLine("a549", 12.5, 0.78, 1.0, 0.1, 0.03),
    "hff": CellLine("hff", 18.0, 0.55, 0.8, 0.85, 0.0),
    "hek293": CellLine("hek293", 10.5, 0.85, 1.3, 0.0, 0.20),
}


@dataclass(frozen=True)
class Difficulty:
    """Everything that makes an image harder to read, in one place."""
    name: str
    coverage: float            # fraction of the field covered by nuclei (density)
    clump_fraction: float      # fraction of nuclei placed in clumps of 2-6
    irregularity: float        # outline perturbation
    photons: float             # mean photoelectrons per pixel inside an interphase nucleus (w1)
    vignetting: float          # relative fall-off at the corners
    defocus_sd: float          # spread of per-field defocus (in defocus units)
    defocus_bad: float         # probability a field is clearly out of focus
    early_fraction: float      # fraction of infected nuclei that are weak early infections
    reporter_miss: float       # probability a well-infected nucleus does not show the reporter
    reporter_miss_early: float  # same for early infections
    reporter_leak: float       # probability an uninfected nucleus is reporter-positive
    debris: float              # debris objects per nucleus
    mitotic: float             # fraction of uninfected nuclei in mitosis
    hot_pixels: int            # hot pixels per megapixel
    well_overdispersion: float  # Beta concentration of the per-well infection rate (lower = noisier)


DIFFICULTIES: Dict[str, Difficulty] = {
    "easy": Difficulty("easy", 0.16, 0.05, 0.6, 3000.0, 0.10, 0.15, 0.00, 0.05, 0.01, 0.15, 0.005,
                       0.01, 0.02, 0, 800.0),
    "realistic": Difficulty("realistic", 0.24, 0.12, 1.0, 900.0, 0.25, 0.35, 0.05, 0.15, 0.02, 0.25, 0.01,
                            0.04, 0.03, 20, 250.0),
    "hard": Difficulty("hard", 0.32, 0.25, 1.5, 250.0, 0.40, 0.6, 0.12, 0.30, 0.04, 0.5, 0.02,
                       0.10, 0.05, 80, 100.0),
}


@dataclass(frozen=True)
class Camera:
    bits: int
    gain_e_per_adu: float
    read_noise_e: float
    offset_adu: float

    @property
    def max_adu(self) -> int:
        return (1 << self.bits) - 1


CAMERAS: Dict[int, Camera] = {
    16: Camera(16, 0.46, 1.6, 100.0),   # sCMOS in 16-bit mode
    12: Camera(12, 2.2, 6.0, 200.0),    # interline CCD / 12-bit readout
}


@dataclass(frozen=True)
class Virus:
    name: str
    drug: str
    default_cell_line: str
    max_rate: float      # infected fraction in positive controls (set by the MOI)
    enlarge: float       # nucleus area gain at the latest stage


VIRUSES: Dict[str, Virus] = {
    "hsv1": Virus("hsv1", "acyclovir", "vero", 0.65, 0.45),
    "hadv": Virus("hadv", "cidofovir", "a549", 0.55, 1.0),
}


# --------------------------------------------------------------------------------------------------
# Plate map
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class WellDesign:
    well: str
    row: int
    col: int
    treatment: str
    concentration: float
    unit: str
    virus: str
    control: str             # "negative", "positive" or ""
    expected_rate: float     # infected fraction the design predicts
    inhibition: float        # fraction of virus replication blocked by the drug (0 without drug)
    viability: float         # fraction of cells the drug leaves (cytotoxicity)


def plate_dimensions(plate_format: int) -> Tuple[int, int]:
    return (8, 12) if plate_format == 96 else (16, 24)


def well_name(row: int, col: int) -> str:
    return f"{chr(ord('A') + row)}{col + 1:02d}"


def design_plate(plate_format: int, virus: Virus, ic50: float, hill: float, max_rate: float) -> List[WellDesign]:
    """Negative controls in the first column(s), positive controls in the last, a 3-fold dilution series between.

    The series runs from 100x IC50 down in ten 3-fold steps, so the IC50 sits in the middle of the curve with
    four points on each plateau side. Cytotoxicity follows a CC50 of 200x IC50 (selectivity index 200), so the
    top doses lose some cells, as real antivirals do.
    """
    rows, cols = plate_dimensions(plate_format)
    control_cols = 1 if plate_format == 96 else 2
    series_cols = cols - 2 * control_cols
    per_conc = series_cols // 10
    concentrations = [ic50 * 100.0 / (3.0 ** i) for i in range(10)]
    cc50 = 200.0 * ic50
    wells = []
    for r in range(rows):
        for c in range(cols):
            name = well_name(r, c)
            if c < control_cols:
                wells.append(WellDesign(name, r, c, "DMSO", 0.0, "uM", "none", "negative", 0.0, 0.0, 1.0))
            elif c >= cols - control_cols:
                wells.append(WellDesign(name, r, c, "DMSO", 0.0, "uM", virus.name, "positive", max_rate, 0.0, 1.0))
            else:
                conc = concentrations[(c - control_cols) // per_conc]
                inhibition = 1.0 - 1.0 / (1.0 + (conc / ic50) ** hill)
                viability = 1.0 / (1.0 + (conc / cc50) ** 2.0)
                wells.append(WellDesign(name, r, c, virus.drug, conc, "uM", virus.name, "",
                                        max_rate * (1.0 - inhibition), inhibition, viability))
    return wells


# --------------------------------------------------------------------------------------------------
# Nuclei: population and placement
# --------------------------------------------------------------------------------------------------

@dataclass
class Nucleus:
    x: float
    y: float
    a: float                 # semi-major axis, px
    b: float                 # semi-minor axis, px
    angle: float             # radians, major axis from +x towards +y (image rows go down)
    coeffs: np.ndarray       # Fourier perturbation: rows (k, amplitude, phase)
    infected: bool = False
    phenotype: str = "uninfected"
    stage: float = 0.0       # 0 = just infected, 1 = late
    brightness: float = 1.0  # DNA content / staining
    reporter_positive: bool = False
    reporter_level: float = 0.0


def fourier_coeffs(rng: np.random.Generator, irregularity: float) -> np.ndarray:
    ks = np.arange(2, 8, dtype=np.float64)
    amps = rng.normal(0.0, 1.0, ks.size) * irregularity * 0.1 / ks ** 1.6
    phases = rng.uniform(0.0, 2.0 * math.pi, ks.size)
    return np.stack([ks, amps, phases], axis=1)


class SmoothField:
    """Zero-mean, unit-variance Gaussian random field with correlation length sigma (px), kept on a coarse grid.

    Only ever sampled at nucleus positions, so it is never expanded to a full image.
    """

    def __init__(self, rng: np.random.Generator, size: int, sigma: float):
        self.cells = max(4, int(size / max(sigma / 3.0, 1.0)))
        noise = rng.normal(0.0, 1.0, (self.cells, self.cells))
        grid = ndimage.gaussian_filter(noise, sigma=self.cells * sigma / size, mode="wrap")
        grid -= grid.mean()
        self.grid = grid / max(float(grid.std()), 1e-9)
        self.scale = self.cells / size

    def at(self, x: float, y: float) -> float:
        gx, gy = x * self.scale - 0.5, y * self.scale - 0.5
        x0, y0 = math.floor(gx), math.floor(gy)
        fx, fy = gx - x0, gy - y0
        n = self.cells
        g = self.grid
        i0, i1, j0, j1 = y0 % n, (y0 + 1) % n, x0 % n, (x0 + 1) % n
        return float((g[i0, j0] * (1 - fx) + g[i0, j1] * fx) * (1 - fy) + (g[i1, j0] * (1 - fx) + g[i1, j1] * fx) * fy)


def texture_field(rng: np.random.Generator, size: int, sigma: float) -> np.ndarray:
    noise = rng.normal(0.0, 1.0, (size, size)).astype(np.float32)
    out = ndimage.gaussian_filter(noise, sigma=sigma, mode="wrap", truncate=3.0)
    return out / max(float(out.std()), 1e-6)


class SpatialIndex:
    """Buckets of placed nuclei so that an exclusion test looks only at neighbours."""

    def __init__(self, cell: float):
        self.cell = cell
        self.buckets: Dict[Tuple[int, int], List[Tuple[float, float, float]]] = {}

    def add(self, x: float, y: float, r: float) -> None:
        self.buckets.setdefault((int(x // self.cell), int(y // self.cell)), []).append((x, y, r))

    def clear_of(self, x: float, y: float, r: float, factor: float) -> bool:
        cx, cy = int(x // self.cell), int(y // self.cell)
        for i in (cx - 1, cx, cx + 1):
            for j in (cy - 1, cy, cy + 1):
                for (px, py, pr) in self.buckets.get((i, j), ()):
                    if (px - x) ** 2 + (py - y) ** 2 < ((pr + r) * factor) ** 2:
                        return False
        return True


def place_nuclei(rng: np.random.Generator, size: int, count: int, line: CellLine, diff: Difficulty,
                 mean_a: float) -> List[Nucleus]:
    """Random sequential addition with soft exclusion, a patchy density, some clumps of 2-6.

    Real monolayers are neither lattices nor Poisson: nuclei keep apart because cells occupy space, density
    drifts across a well, and some cells pile up (clumps, freshly divided pairs).
    """
    density = SmoothField(rng, size, size / 3.0)  # slow, well-scale patchiness
    orient = SmoothField(rng, size, size / 4.0)   # stream direction for aligned lines
    margin = mean_a * 0.5
    nuclei: List[Nucleus] = []
    index = SpatialIndex(cell=mean_a * 3.0)

    def make(x: float, y: float) -> Nucleus:
        a = mean_a * float(np.exp(rng.normal(0.0, 0.13)))
        aspect = float(np.clip(rng.normal(line.aspect, 0.08), 0.35, 0.98))
        if rng.random() < line.aligned:
            angle = math.pi * orient.at(x, y) + rng.normal(0.0, 0.25)
        else:
            angle = rng.uniform(0.0, math.pi)
        irr = diff.irregularity * line.irregularity * (3.0 if rng.random() < 0.06 else 1.0)
        return Nucleus(x, y, a, a * aspect, angle, fourier_coeffs(rng, irr))

    clump_target = int(count * min(0.6, diff.clump_fraction + line.clumping))
    clumped = 0
    attempts = 0
    while clumped < clump_target and attempts < 10 * max(clump_target, 1):
        attempts += 1
        k = int(rng.integers(2, 7))
        x0, y0 = rng.uniform(-margin, size + margin, 2)
        members = [make(float(x0), float(y0))]
        for _ in range(k - 1):
            anchor = members[int(rng.integers(len(members)))]
            n = make(0.0, 0.0)
            d = (0.5 * (anchor.a + anchor.b) + 0.5 * (n.a + n.b)) * rng.uniform(0.78, 1.0)
            t = rng.uniform(0.0, 2.0 * math.pi)
            n.x, n.y = anchor.x + d * math.cos(t), anchor.y + d * math.sin(t)
            if all((m.x - n.x) ** 2 + (m.y - n.y) ** 2 > (0.6 * (m.a + n.a)) ** 2 for m in members):
                members.append(n)
        if len(members) < 2 or not all(index.clear_of(m.x, m.y, 0.5 * (m.a + m.b), 0.95) for m in members):
            continue
        for m in members:
            nuclei.append(m)
            index.add(m.x, m.y, 0.5 * (m.a + m.b))
        clumped += len(members)

    tries = 0
    while len(nuclei) < count and tries < count * 40:
        tries += 1
        x, y = rng.uniform(-margin, size + margin, 2)
        if rng.random() > 1.6 / (1.0 + math.exp(-1.2 * density.at(x, y))):
            continue
        n = make(float(x), float(y))
        r = 0.5 * (n.a + n.b)
        if index.clear_of(n.x, n.y, r, rng.uniform(1.0, 1.25)):
            nuclei.append(n)
            index.add(n.x, n.y, r)
    return nuclei


# --------------------------------------------------------------------------------------------------
# Rendering one nucleus into local windows
# --------------------------------------------------------------------------------------------------

@dataclass
class Window:
    ys: slice
    xs: slice
    u: np.ndarray     # coordinates along the major axis, in units of a
    v: np.ndarray     # along the minor axis, in units of b
    rho: np.ndarray   # normalised radius: < 1 inside the perturbed outline
    px_per_unit: float


def window(n: Nucleus, size: int, extent: float, pad: float = 2.0, harmonics: int = 6,
           boost: float = 1.0) -> Optional[Window]:
    """Local coordinates of a nucleus (or, with extent > 1, of its cell body) in a clipped bounding box.

    The outline's Fourier terms cos(k*theta + phase) are evaluated as powers of the unit complex number
    (u + iv)/|u + iv|, which avoids arctan2 and a cosine per harmonic over every pixel.
    """
    reach = n.a * extent * 1.35 + pad
    x0, x1 = max(0, int(math.floor(n.x - reach))), min(size, int(math.ceil(n.x + reach)) + 1)
    y0, y1 = max(0, int(math.floor(n.y - reach))), min(size, int(math.ceil(n.y + reach)) + 1)
    if x0 >= x1 or y0 >= y1:
        return None
    dx = (np.arange(x0, x1, dtype=np.float32) - np.float32(n.x))[None, :]
    dy = (np.arange(y0, y1, dtype=np.float32) - np.float32(n.y))[:, None]
    c, s = np.float32(math.cos(n.angle)), np.float32(math.sin(n.angle))
    u = (dx * c + dy * s) * np.float32(1.0 / n.a)
    v = (dy * c - dx * s) * np.float32(1.0 / n.b)
    rho_e = np.sqrt(u * u + v * v)
    z = (u + 1j * v).astype(np.complex64) / np.maximum(rho_e, np.float32(1e-6))
    zk = z
    perturb = np.ones_like(rho_e)
    for k, amp, phase in n.coeffs[:harmonics]:
        zk = zk * z  # harmonics start at k = 2
        perturb += np.float32(amp * boost * math.cos(phase)) * zk.real - np.float32(amp * boost * math.sin(phase)) * zk.imag
    # Clipped so that the outline never reaches the window's edge (reach is 1.35 a), which would cut it straight.
    rho = rho_e / np.clip(perturb, np.float32(0.6), np.float32(1.3))
    return Window(slice(y0, y1), slice(x0, x1), u, v, rho, 0.5 * (n.a + n.b))


def blobs(w: Window, n: Nucleus, centres: Sequence[Tuple[float, float]], radii: Sequence[float]) -> np.ndarray:
    """Sum of smooth discs (super-Gaussian) at normalised positions, radii in px; values in [0, 1]."""
    out = np.zeros_like(w.rho)
    for (pu, pv), r in zip(centres, radii):
        d2 = ((w.u - pu) * n.a) ** 2 + ((w.v - pv) * n.b) ** 2
        out = np.maximum(out, np.exp(-(d2 / (r * r)) ** 2))
    return out


def random_points(rng: np.random.Generator, count: int, max_rho: float) -> List[Tuple[float, float]]:
    pts = []
    for _ in range(count):
        t = rng.uniform(0, 2 * math.pi)
        r = max_rho * math.sqrt(rng.uniform(0, 1))
        pts.append((r * math.cos(t), r * math.sin(t)))
    return pts


def render_nucleus(n: Nucleus, rng: np.random.Generator, size: int, nuc: np.ndarray, gfp: np.ndarray,
                   labels: np.ndarray, best: np.ndarray, label: int, fine: np.ndarray, coarse: np.ndarray,
                   virus: str) -> None:
    w = window(n, size, 1.0)
    if w is None:
        return
    rho = w.rho
    inside = rho < 1.0
    # Flat nucleus seen in projection: plateau with a steep, rounded edge.
    profile = np.clip(1.0 - rho * rho, 0.0, 1.0) ** 0.45
    tf = fine[w.ys, w.xs]
    tc = coarse[w.ys, w.xs]
    rim = np.exp(-((rho - 0.88) / 0.08) ** 2)
    reporter_spatial = np.ones_like(rho)

    if n.phenotype == "mitotic":
        # Condensed chromosomes: small, bright, coarse and clumpy.
        dens = n.brightness * (1.0 + 0.35 * tc + 0.25 * tf)
    else:
        tex_amp_f, tex_amp_c = 0.13, 0.10
        nucleoli = blobs(w, n, random_points(rng, int(rng.integers(1, 5)), 0.5),
                         [w.px_per_unit * rng.uniform(0.1, 0.2) for _ in range(4)])
        chrom = 1.0 - rng.uniform(0.4, 0.65) * nucleoli + 0.05 * np.exp(-((rho - 0.93) / 0.07) ** 2)
        s = n.stage
        if n.phenotype in ("hsv1",) or (n.phenotype == "early" and virus == "hsv1"):
            # Replication compartments grow and coalesce in the centre, displacing host chromatin to the
            # envelope (margination). Compartments hold little DNA stain and are smooth.
            k = max(1, int(round(5 - 4 * s)))
            rc_r = [w.px_per_unit * (0.12 + 0.55 * s) / math.sqrt(k) for _ in range(k)]
            rc = blobs(w, n, random_points(rng, k, 0.55 * (1.0 - 0.6 * s)), rc_r)
            depth = 0.25 + 0.45 * s
            chrom = chrom * (1.0 - depth * rc) * (1.0 - 0.3 * s * (1.0 - rim)) + 0.9 * s * rim * (1.0 + 0.4 * tf)
            tex_amp_f *= 1.0 + 0.8 * s
            tex_amp_c *= 1.0 - 0.5 * s
            chrom_tex = 1.0 + (tex_amp_f * tf + tex_amp_c * tc) * (1.0 - 0.8 * rc)
            reporter_spatial = 1.0 + 0.7 * rc          # ICP4/ICP8-like reporters gather in compartments
        elif n.phenotype in ("hadv",) or (n.phenotype == "early" and virus == "hadv"):
            if s < 0.6:
                # Several inclusions, each either dense and smooth or ring-shaped (dim core, bright shell).
                k = int(rng.integers(1, 6))
                pts = random_points(rng, k, 0.6)
                radii = [w.px_per_unit * rng.uniform(0.10, 0.14 + 0.25 * s) for _ in range(k)]
                dense = rng.random(k) < 0.5
                for (pu, pv), r, is_dense in zip(pts, radii, dense):
                    d = np.sqrt(((w.u - pu) * n.a) ** 2 + ((w.v - pv) * n.b) ** 2) / r
                    disc = np.exp(-(d ** 4))
                    if is_dense:
                        chrom = chrom * (1.0 - disc) + disc * (1.25 + 0.5 * s)
                    else:
                        shell = np.exp(-((d - 0.9) / 0.25) ** 2)
                        chrom = chrom * (1.0 - 0.55 * disc) + 0.5 * shell
                    reporter_spatial = reporter_spatial + 0.6 * np.exp(-((d - 0.9) / 0.3) ** 2)
                chrom_tex = 1.0 + tex_amp_f * tf + tex_amp_c * tc
            else:
                # Late: one large central, granular, DNA-dense inclusion; a clear halo; chromatin pushed to a
                # thin ring at the envelope - the 'smudge' / ring look.
                ri = 0.45 + 0.3 * (s - 0.6) / 0.4
                core = 1.0 / (1.0 + np.exp((rho - ri) / 0.05))
                halo = np.exp(-((rho - (ri + 0.9) / 2.0) / 0.08) ** 2)
                chrom = (core * (1.15 + 0.3 * s) * (1.0 + 0.3 * tf)
                         + (1.0 - core) * (0.55 - 0.25 * halo) + 0.8 * rim * (1.0 + 0.3 * tc))
                chrom_tex = 1.0 + 0.5 * tex_amp_c * tc
                reporter_spatial = 1.0 + 0.5 * halo
        else:
            chrom_tex = 1.0 + tex_amp_f * tf + tex_amp_c * tc
        dens = n.brightness * chrom * chrom_tex
    signal = profile * np.maximum(dens, 0.05)
    nuc[w.ys, w.xs] += signal.astype(np.float32)

    # Label mask: where outlines overlap, the pixel goes to the nucleus whose centre it is relatively nearer.
    bsub = best[w.ys, w.xs]
    take = inside & (rho < bsub)
    bsub[take] = rho[take]
    labels[w.ys, w.xs][take] = label

    # Reporter, nuclear part: fills the nucleus, partly excluded from nucleoli-poor texture.
    gfp[w.ys, w.xs] += (n.reporter_level * profile * reporter_spatial * (1.0 + 0.08 * tf)).astype(np.float32)

    # Reporter, cytoplasmic haze: a larger irregular cell body around the nucleus.
    cw = window(n, size, 2.6, harmonics=2, boost=3.0)
    if cw is not None:
        cell_r = rng.uniform(1.7, 2.6)
        haze = np.exp(-((cw.rho / cell_r) ** 3))
        frac = rng.uniform(0.08, 0.2)
        gfp[cw.ys, cw.xs] += (n.reporter_level * frac * haze).astype(np.float32)


def render_debris(rng: np.random.Generator, size: int, mean_a: float, nuc: np.ndarray, gfp: np.ndarray,
                  fine: np.ndarray) -> None:
    """Fragments, apoptotic bodies and dust: small, irregular, often very bright; never in the truth."""
    x, y = rng.uniform(0, size, 2)
    a = mean_a * rng.uniform(0.08, 0.35)
    d = Nucleus(float(x), float(y), a, a * rng.uniform(0.4, 1.0), rng.uniform(0, math.pi),
                fourier_coeffs(rng, 6.0))
    w = window(d, size, 1.0)
    if w is None:
        return
    body = np.exp(-(w.rho ** 4)) * (1.0 + 0.3 * fine[w.ys, w.xs])
    level = float(np.exp(rng.normal(0.3, 0.8)))
    nuc[w.ys, w.xs] += (level * body).astype(np.float32)
    if rng.random() < 0.4:  # autofluorescent debris shows in the GFP channel too
        gfp[w.ys, w.xs] += (0.3 * level * body).astype(np.float32)


# --------------------------------------------------------------------------------------------------
# Optics and camera
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PlateOptics:
    """What stays the same across the fields of one plate: the microscope and the staining batch."""
    vignette_centre: Tuple[float, float]
    vignetting: float
    stain: float          # nuclear stain intensity of this batch
    reporter: float       # reporter brightness of this batch
    background_w1: float  # medium and plastic, relative to nuclear level
    background_w2: float
    column_pattern_w1: np.ndarray
    column_pattern_w2: np.ndarray


def make_plate_optics(rng: np.random.Generator, size: int, diff: Difficulty) -> PlateOptics:
    return PlateOptics(
        vignette_centre=(size * rng.uniform(0.4, 0.6), size * rng.uniform(0.4, 0.6)),
        vignetting=diff.vignetting * rng.uniform(0.8, 1.2),
        stain=float(np.exp(rng.normal(0.0, 0.12))),
        reporter=float(np.exp(rng.normal(0.0, 0.15))),
        background_w1=rng.uniform(0.03, 0.06),
        background_w2=rng.uniform(0.04, 0.08),
        column_pattern_w1=rng.normal(0.0, 0.8, size).astype(np.float32),
        column_pattern_w2=rng.normal(0.0, 0.8, size).astype(np.float32),
    )


def illumination(size: int, optics: PlateOptics, rng: np.random.Generator) -> np.ndarray:
    yy, xx = np.ogrid[0:size, 0:size]
    cx, cy = optics.vignette_centre
    r2 = ((xx - cx) ** 2 + (yy - cy) ** 2) / (0.5 * size * math.sqrt(2.0)) ** 2
    tilt = rng.normal(0.0, 0.03)
    return ((1.0 - optics.vignetting * r2) * (1.0 + tilt * (xx - size / 2) / size)).astype(np.float32)


def expose(rng: np.random.Generator, photons: np.ndarray, camera: Camera, column: np.ndarray,
           hot: int) -> np.ndarray:
    """Shot noise, read noise, gain, offset, fixed column pattern, hot pixels, clipping to the ADC range."""
    electrons = rng.poisson(np.maximum(photons, 0.0)).astype(np.float32)
    electrons += rng.normal(0.0, camera.read_noise_e, photons.shape).astype(np.float32)
    adu = electrons / camera.gain_e_per_adu + camera.offset_adu + column[None, :]
    if hot:
        idx = rng.integers(0, adu.size, hot)
        adu.flat[idx] += rng.uniform(200, 3000, hot).astype(np.float32)
    return np.clip(np.rint(adu), 0, camera.max_adu).astype(np.uint16)


# --------------------------------------------------------------------------------------------------
# One field
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Settings:
    out: str
    plates: int
    virus: Virus
    objective: Objective
    line: CellLine
    difficulty: Difficulty
    camera: Camera
    sites: int
    size: int
    seed: int
    plate_format: int
    ic50: float
    hill: float
    compression: Optional[str]
    only_wells: Tuple[str, ...] = ()


@dataclass
class FieldConditions:
    debris: int
    blur_px: float    # total Gaussian blur of w1 (diffraction, nucleus thickness and this field's defocus)
    photons: float    # photoelectrons per pixel of an average interphase nucleus before vignetting


@dataclass
class FieldResult:
    plate: str
    well: str
    site: int
    nuclei: int
    infected: int
    reporter_agree: int
    conditions: FieldConditions


def nuclei_per_field(diff: Difficulty, line: CellLine, obj: Objective, size: int) -> float:
    """How many nuclei cover the difficulty's share of a field, before the drug and well-to-well variation."""
    mean_a = line.diameter_um / 2.0 / obj.pixel_um
    return diff.coverage * size * size / (math.pi * mean_a * mean_a * line.aspect)


def logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def make_field(st: Settings, plate_index: int, well: WellDesign, well_rate: float, site: int,
               optics: PlateOptics) -> Tuple[np.ndarray, np.ndarray, np.ndarray, List[Nucleus]]:
    diff, line, obj, size = st.difficulty, st.line, st.objective, st.size
    rng = np.random.default_rng([st.seed, plate_index, well.row, well.col, site])
    mean_a = line.diameter_um / 2.0 / obj.pixel_um
    edge = 0.88 if (well.row in (0, plate_dimensions(st.plate_format)[0] - 1)
                    or well.col in (0, plate_dimensions(st.plate_format)[1] - 1)) and diff.name != "easy" else 1.0
    count = int(nuclei_per_field(diff, line, obj, size) * well.viability * edge * np.exp(rng.normal(0, 0.12)))
    nuclei = place_nuclei(rng, size, max(count, 1), line, diff, mean_a)

    # Infection: a smooth field makes infected cells cluster a little (spread to neighbours).
    spread = SmoothField(rng, size, size / 5.0)
    virus = st.virus
    base = logit(well_rate) if well_rate > 0 else None
    early_p = diff.early_fraction + (1.0 - diff.early_fraction) * 0.5 * well.inhibition
    for n in nuclei:
        p = 0.0 if base is None else 1.0 / (1.0 + math.exp(-(base + 0.5 * spread.at(n.x, n.y))))
        n.brightness = float(np.exp(rng.normal(0.0, 0.12))) * (1.35 if rng.random() < 0.25 else 1.0)
        if rng.random() < p:
            n.infected = True
            if rng.random() < early_p:
                n.phenotype, n.stage = "early", rng.uniform(0.03, 0.2)
                gain = 1.05
            else:
                n.phenotype, n.stage = virus.name, 0.25 + 0.75 * rng.beta(2.0, 1.5)
                gain = 1.0 + virus.enlarge * n.stage
            n.a *= math.sqrt(gain)
            n.b *= math.sqrt(gain)
        elif rng.random() < diff.mitotic:
            n.phenotype = "mitotic"
            # Prophase/prometaphase: a small ragged ball; metaphase plate seen edge-on: a short bright bar.
            aspect = rng.uniform(0.3, 0.5) if rng.random() < 0.35 else n.b / n.a
            n.a *= rng.uniform(0.5, 0.7)
            n.b = n.a * aspect
            n.brightness *= rng.uniform(2.0, 3.0)
            n.coeffs = fourier_coeffs(rng, diff.irregularity * 3.0)
        # Reporter: positive for most infected nuclei, with a small leak among uninfected.
        if n.infected:
            miss = diff.reporter_miss_early if n.phenotype == "early" else diff.reporter_miss
            n.reporter_positive = rng.random() >= miss
        else:
            n.reporter_positive = rng.random() < diff.reporter_leak
        if n.reporter_positive:
            strength = 0.35 + 0.65 * min(1.0, n.stage / 0.6) if n.infected else rng.uniform(0.3, 0.8)
            n.reporter_level = float(np.exp(rng.normal(0.0, 0.5))) * strength
        else:
            n.reporter_level = float(np.exp(rng.normal(0.0, 0.35))) / 18.0

    fine_sigma = max(0.5, 0.45 / obj.pixel_um)
    coarse_sigma = max(1.0, 1.6 / obj.pixel_um)
    fine = texture_field(rng, size, fine_sigma)
    coarse = texture_field(rng, size, coarse_sigma)

    nuc = np.zeros((size, size), np.float32)
    gfp = np.zeros((size, size), np.float32)
    labels = np.zeros((size, size), np.uint16)
    best = np.full((size, size), 2.0, np.float32)
    for i, n in enumerate(nuclei):
        render_nucleus(n, rng, size, nuc, gfp, labels, best, i + 1, fine, coarse, virus.name)
    # Debris, plus apoptotic fragments where the drug kills cells.
    debris = int(rng.poisson(diff.debris * len(nuclei) + 0.15 * (1.0 - well.viability) * len(nuclei)))
    for _ in range(debris):
        render_debris(rng, size, mean_a, nuc, gfp, fine)

    # Keep nuclei that are visible in the mask, renumbered 1..N in placement order.
    present = np.bincount(labels.ravel(), minlength=len(nuclei) + 1)
    keep = [i for i in range(len(nuclei)) if present[i + 1] > 0]
    remap = np.zeros(len(nuclei) + 1, np.uint16)
    for new, old in enumerate(keep, start=1):
        remap[old + 1] = new
    labels = remap[labels]
    kept = [nuclei[i] for i in keep]

    # Optics: widefield out-of-focus light, diffraction, per-field defocus, uneven illumination.
    defocus = abs(rng.normal(0.0, diff.defocus_sd))
    if rng.random() < diff.defocus_bad:
        defocus += rng.uniform(2.0, 4.0)
    defocus *= obj.defocus_scale
    illum = illumination(size, optics, rng)
    haze_sigma = 1.5 * mean_a

    def blur(wavelength_um: float) -> float:
        # Diffraction, plus the blur of a 4-6 um thick nucleus seen by a widefield system (never below ~0.6 px),
        # plus this field's defocus.
        psf = max(0.21 * wavelength_um / obj.na / obj.pixel_um, 0.6)
        return math.sqrt(psf * psf + defocus * defocus)

    def out_of_focus(img: np.ndarray) -> np.ndarray:
        # Light from above and below the focal plane: a wide, smooth blur, computed at 1/4 resolution.
        f = 4
        if size % f:
            return ndimage.gaussian_filter(img, haze_sigma, truncate=2.5)
        small = img.reshape(size // f, f, size // f, f).mean(axis=(1, 3))
        small = ndimage.gaussian_filter(small, haze_sigma / f, truncate=2.5)
        return np.repeat(np.repeat(small, f, axis=0), f, axis=1)

    def optics_pass(img: np.ndarray, wavelength_um: float, haze: float, background: float) -> np.ndarray:
        img = img + haze * out_of_focus(img)
        img = ndimage.gaussian_filter(img, blur(wavelength_um), truncate=3.0)
        return (img + background) * illum

    w1 = optics_pass(nuc * optics.stain, 0.46, 0.10, optics.background_w1)
    # Hoechst's broad emission tail leaks ~1 % into the GFP filter set.
    w2 = optics_pass(gfp * optics.reporter * 1.6 + 0.01 * nuc * optics.stain, 0.51, 0.04, optics.background_w2)
    hot = int(diff.hot_pixels * size * size / 1e6)
    img1 = expose(rng, w1 * diff.photons, st.camera, optics.column_pattern_w1, hot)
    img2 = expose(rng, w2 * diff.photons, st.camera, optics.column_pattern_w2, hot)
    conditions = FieldConditions(debris, blur(0.46), diff.photons * optics.stain)
    return img1, img2, labels, kept, conditions


def nucleus_rows(labels: np.ndarray, nuclei: List[Nucleus]) -> List[List[str]]:
    """Truth rows; centroids of each nucleus's visible pixels in the label mask (what a segmenter can see)."""
    count = len(nuclei)
    flat = labels.ravel().astype(np.int64)
    yy, xx = np.divmod(np.arange(flat.size), labels.shape[1])
    area = np.bincount(flat, minlength=count + 1)
    sx = np.bincount(flat, weights=xx, minlength=count + 1)
    sy = np.bincount(flat, weights=yy, minlength=count + 1)
    rows = []
    for i, n in enumerate(nuclei, start=1):
        ang = math.degrees(n.angle) % 180.0
        rows.append([str(i), f"{sx[i] / area[i]:.2f}", f"{sy[i] / area[i]:.2f}", f"{n.a:.2f}", f"{n.b:.2f}",
                     f"{ang:.1f}", "1" if n.infected else "0", n.phenotype])
    return rows


# --------------------------------------------------------------------------------------------------
# Plates
# --------------------------------------------------------------------------------------------------

def write_tiff(path: str, image: np.ndarray, compression: Optional[str]) -> None:
    tifffile.imwrite(path, image, photometric="minisblack", compression=compression, metadata=None)


def field_task(args: Tuple[Settings, int, WellDesign, float, int, PlateOptics]) -> FieldResult:
    st, plate_index, well, rate, site, optics = args
    plate = f"PLATE{plate_index + 1:02d}"
    img1, img2, labels, nuclei, cond = make_field(st, plate_index, well, rate, site, optics)
    stem = f"{plate}_{well.well}_s{site}"
    write_tiff(os.path.join(st.out, plate, f"{stem}_w1.tif"), img1, st.compression)
    write_tiff(os.path.join(st.out, plate, f"{stem}_w2.tif"), img2, st.compression)
    write_tiff(os.path.join(st.out, "truth", f"{stem}_labels.tif"), labels, None)
    with open(os.path.join(st.out, "truth", f"{stem}.csv"), "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["label", "x", "y", "radius_major", "radius_minor", "angle", "infected", "phenotype"])
        wr.writerows(nucleus_rows(labels, nuclei))
    infected = sum(n.infected for n in nuclei)
    agree = sum(n.infected == n.reporter_positive for n in nuclei)
    return FieldResult(plate, well.well, site, len(nuclei), infected, agree, cond)


def run(st: Settings, jobs: int, log) -> None:
    os.makedirs(os.path.join(st.out, "truth"), exist_ok=True)
    wells = design_plate(st.plate_format, st.virus, st.ic50, st.hill, st.virus.max_rate)
    with open(os.path.join(st.out, "plate-map.csv"), "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["well", "treatment", "concentration", "unit", "virus", "control"])
        for w in wells:
            wr.writerow([w.well, w.treatment, f"{w.concentration:.6g}", w.unit, w.virus, w.control])

    tasks = []
    design_rows = []
    for p in range(st.plates):
        os.makedirs(os.path.join(st.out, f"PLATE{p + 1:02d}"), exist_ok=True)
        prng = np.random.default_rng([st.seed, p, 1_000_003])
        optics = make_plate_optics(prng, st.size, st.difficulty)
        plate_max = float(np.clip(st.virus.max_rate * np.exp(prng.normal(0.0, 0.08)), 0.05, 0.95))
        for w in wells:
            expected = 0.0 if w.control == "negative" else plate_max * (1.0 - w.inhibition)
            if expected > 0:
                k = st.difficulty.well_overdispersion
                rate = float(prng.beta(expected * k + 1e-3, (1 - expected) * k + 1e-3))
            else:
                rate = 0.0
            # Drawn for every well first, so that a well is the same whichever others --wells asks for.
            if st.only_wells and w.well not in st.only_wells:
                continue
            design_rows.append([f"PLATE{p + 1:02d}", w.well, f"{expected:.4f}", f"{rate:.4f}", f"{w.viability:.4f}"])
            for s in range(1, st.sites + 1):
                tasks.append((st, p, w, rate, s, optics))

    started = time.monotonic()
    results: List[FieldResult] = []
    if jobs > 1:
        import multiprocessing as mp
        with mp.get_context("fork").Pool(jobs) as pool:
            for i, r in enumerate(pool.imap(field_task, tasks, chunksize=4)):
                results.append(r)
                progress(log, i + 1, len(tasks), started)
    else:
        for i, t in enumerate(tasks):
            results.append(field_task(t))
            progress(log, i + 1, len(tasks), started)

    per_well: Dict[Tuple[str, str], List[int]] = {}
    for r in results:
        acc = per_well.setdefault((r.plate, r.well), [0, 0, 0])
        acc[0] += r.nuclei
        acc[1] += r.infected
        acc[2] += r.reporter_agree
    with open(os.path.join(st.out, "truth", "wells.csv"), "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["plate", "well", "nuclei", "infected", "rate"])
        for (plate, well), (n, i, _) in per_well.items():
            wr.writerow([plate, well, n, i, f"{i / n:.4f}" if n else "0"])
    with open(os.path.join(st.out, "truth", "wells-expected.csv"), "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["plate", "well", "expected_rate", "well_rate", "viability", "reporter_agreement"])
        for row in design_rows:
            n, _, agree = per_well[(row[0], row[1])]
            wr.writerow(row + [f"{agree / n:.4f}" if n else ""])
    with open(os.path.join(st.out, "truth", "fields.csv"), "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["plate", "well", "site", "nuclei", "infected", "debris", "blur_px", "photons"])
        for r in results:
            c = r.conditions
            wr.writerow([r.plate, r.well, r.site, r.nuclei, r.infected, c.debris, f"{c.blur_px:.2f}", f"{c.photons:.0f}"])
    total = sum(r.nuclei for r in results)
    agree = sum(r.reporter_agree for r in results)
    log(f"generate: {len(tasks)} fields, {total} nuclei, reporter agrees with truth on "
        f"{100.0 * agree / max(total, 1):.1f} %, {time.monotonic() - started:.1f} s -> {st.out}")


def progress(log, done: int, total: int, started: float) -> None:
    if done == total or done % 48 == 0:
        log(f"generate: {done}/{total} fields, {time.monotonic() - started:.1f} s")


# --------------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------------

class UsageError(Exception):
    pass


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, like every other Viroscope tool
        raise UsageError(message)


def parse(argv: Sequence[str]) -> Tuple[Settings, int]:
    p = Parser(prog="generate", description="Independent synthetic two-channel plates of virus-infected nuclei "
                                            "with known truth (see ops/independent/README.md).")
    p.add_argument("--out", required=True, help="output folder (created; existing files are overwritten)")
    p.add_argument("--plates", type=int, default=1, help="number of plates (default 1)")
    p.add_argument("--virus", choices=sorted(VIRUSES), default="hsv1", help="infection phenotype (default hsv1)")
    p.add_argument("--magnification", choices=sorted(OBJECTIVES), default="20x",
                   help="objective: sets pixel size, so nucleus size in px (default 20x)")
    p.add_argument("--cell-line", choices=sorted(CELL_LINES), default=None,
                   help="nuclear size/shape/arrangement (default: vero for hsv1, a549 for hadv)")
    p.add_argument("--sites", type=int, default=2, help="fields per well (default 2)")
    p.add_argument("--size", type=int, default=512, help="field width and height in px (default 512)")
    p.add_argument("--seed", type=int, default=1, help="random seed; same seed, same files (default 1)")
    p.add_argument("--plate-format", type=int, choices=[96, 384], default=96, help="96 or 384 wells (default 96)")
    p.add_argument("--difficulty", choices=list(DIFFICULTIES), default="realistic",
                   help="noise, density, clumps, defocus, early infections, reporter errors (default realistic)")
    p.add_argument("--bit-depth", type=int, choices=[12, 16], default=16,
                   help="camera ADC range written into the 16-bit files (default 16)")
    p.add_argument("--ic50", type=float, default=1.0, help="drug IC50 in uM (default 1)")
    p.add_argument("--hill", type=float, default=1.0, help="Hill slope of the drug (default 1)")
    p.add_argument("--compression", choices=["none", "lzw"], default="none", help="TIFF compression (default none)")
    p.add_argument("--wells", default="", help="comma-separated wells to make, e.g. A01,A12 (default: all)")
    p.add_argument("--jobs", type=int, default=1, help="worker processes (default 1); output does not depend on it")
    a = p.parse_args(argv)
    if not 1 <= a.plates <= 99:
        raise UsageError("--plates must be between 1 and 99")
    if not 1 <= a.sites <= 16:
        raise UsageError("--sites must be between 1 and 16")
    if not 64 <= a.size <= 8192:
        raise UsageError("--size must be between 64 and 8192")
    if not (math.isfinite(a.ic50) and a.ic50 > 0):
        raise UsageError("--ic50 must be a positive number")
    if not (math.isfinite(a.hill) and 0.1 <= a.hill <= 10):
        raise UsageError("--hill must be between 0.1 and 10")
    if not 1 <= a.jobs <= 64:
        raise UsageError("--jobs must be between 1 and 64")
    if a.seed < 0:
        raise UsageError("--seed must be >= 0")
    rows, cols = plate_dimensions(a.plate_format)
    valid = {well_name(r, c) for r in range(rows) for c in range(cols)}
    only = tuple(w.strip().upper() for w in a.wells.split(",") if w.strip())
    unknown = [w for w in only if w not in valid]
    if unknown:
        raise UsageError(f"--wells: {unknown[0]} is not a well of a {a.plate_format}-well plate")
    virus = VIRUSES[a.virus]
    line = CELL_LINES[a.cell_line or virus.default_cell_line]
    diff = DIFFICULTIES[a.difficulty]
    expected = nuclei_per_field(diff, line, OBJECTIVES[a.magnification], a.size)
    if expected * 1.5 > 65535:
        raise UsageError(f"--size {a.size} at {a.magnification} gives about {expected:.0f} nuclei per field, "
                         f"more than a 16-bit label mask can number safely; use a smaller --size")
    st = Settings(out=a.out, plates=a.plates, virus=virus, objective=OBJECTIVES[a.magnification],
                  line=line, difficulty=diff,
                  camera=CAMERAS[a.bit_depth], sites=a.sites, size=a.size, seed=a.seed,
                  plate_format=a.plate_format, ic50=a.ic50, hill=a.hill,
                  compression=None if a.compression == "none" else "lzw", only_wells=only)
    return st, a.jobs


def main(argv: Sequence[str]) -> int:
    try:
        st, jobs = parse(argv)
    except UsageError as e:
        print(f"generate: {e}", file=sys.stderr)
        return 2
    try:
        run(st, jobs, lambda m: print(m, file=sys.stderr))
    except OSError as e:
        print(f"generate: {e.filename or st.out}: {e.strerror or e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
