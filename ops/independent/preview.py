#!/usr/bin/env python3
"""A PNG to look at one generated field: w1 | w2 on top, w1 with truth outlines | w1 blue + w2 green below.

  ops/independent/preview OUT/PLATE01/PLATE01_A12_s1 field.png [--crop 256]

Each channel is stretched between its 0.5th and 99.8th percentiles, as one would on a microscope display.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
import zlib

import numpy as np
import tifffile


def stretch(img: np.ndarray) -> np.ndarray:
    lo, hi = np.percentile(img, [0.5, 99.8])
    return (np.clip((img.astype(np.float64) - lo) / max(hi - lo, 1.0), 0, 1) * 255).astype(np.uint8)


def write_png(path: str, rgb: np.ndarray) -> None:
    h, w, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[y].tobytes() for y in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def main(argv) -> int:
    ap = argparse.ArgumentParser(prog="preview", description=__doc__.split("\n")[0])
    ap.add_argument("stem", help="path of a field without _w1.tif, e.g. OUT/PLATE01/PLATE01_A12_s1")
    ap.add_argument("png", help="PNG to write")
    ap.add_argument("--crop", type=int, default=0, help="show only the top-left N x N pixels, enlarged 2x")
    a = ap.parse_args(argv)
    plate_dir, name = os.path.split(a.stem)
    try:
        w1 = tifffile.imread(f"{a.stem}_w1.tif")
        w2 = tifffile.imread(f"{a.stem}_w2.tif")
        labels = tifffile.imread(os.path.join(os.path.dirname(plate_dir), "truth", f"{name}_labels.tif"))
    except OSError as e:
        print(f"preview: {e.filename}: {e.strerror}", file=sys.stderr)
        return 1
    g1, g2 = stretch(w1), stretch(w2)
    edge = (labels != np.roll(labels, 1, 0)) | (labels != np.roll(labels, 1, 1))
    outlined = np.stack([g1, g1, g1], -1)
    outlined[edge] = (255, 0, 255)
    merged = np.stack([np.zeros_like(g1), g2, g1], -1)
    grey = lambda g: np.stack([g, g, g], -1)  # noqa: E731
    panel = np.concatenate([np.concatenate([grey(g1), grey(g2)], 1), np.concatenate([outlined, merged], 1)], 0)
    if a.crop > 0:
        c = a.crop
        h, w = w1.shape
        quads = [panel[:c, :c], panel[:c, w:w + c], panel[h:h + c, :c], panel[h:h + c, w:w + c]]
        panel = np.concatenate([np.concatenate(quads[:2], 1), np.concatenate(quads[2:], 1)], 0)
        panel = panel.repeat(2, 0).repeat(2, 1)
    write_png(a.png, np.ascontiguousarray(panel))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
