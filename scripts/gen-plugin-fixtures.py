#!/usr/bin/env python3
"""Writes the small fixtures the plugin tests read, so that `swift test` needs no Python.

- Tests/ImagePluginTests/Fixtures: tiny PNG (gray, RGB, RGBA, palette, one row per filter
  type) and PGM/PPM (binary and ASCII) images with known pixels, written with zlib + struct
  only, and expected.json giving every image's pixels as RGB triples.
- Tests/baleTests/Fixtures/digits: a small scikit-learn MLP on the 8x8 digits data set
  exported with skl2onnx (input X float [N, 64] in 0..1), labels.txt, and a few held-out
  digits as 8-bit gray PNG (pixel = value * 255 / 16) that the model classifies correctly.
  Needs: pip install scikit-learn skl2onnx onnx (only for this part; deterministic seeds).

Usage: scripts/gen-plugin-fixtures.py   (from the repository root)
"""
import json
import os
import struct
import zlib


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def filtered(rows, bpp, filters):
    """Applies PNG filter `filters[y]` to row y (bytes), as an encoder does."""
    out = b""
    prev = bytes(len(rows[0]))
    for row, f in zip(rows, filters):
        line = bytearray()
        for i, x in enumerate(row):
            a = row[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 0:
                p = 0
            elif f == 1:
                p = a
            elif f == 2:
                p = b
            elif f == 3:
                p = (a + b) // 2
            else:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                p = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            line.append((x - p) & 0xFF)
        out += bytes([f]) + bytes(line)
        prev = row
    return out


def png(width, height, color_type, rows, bpp, filters=None, palette=None, trns=None):
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    body = chunk(b"IHDR", header)
    if palette:
        body += chunk(b"PLTE", b"".join(bytes(c) for c in palette))
    if trns:
        body += chunk(b"tRNS", bytes(trns))
    data = filtered(rows, bpp, filters or [0] * height)
    body += chunk(b"IDAT", zlib.compress(data, 9))
    return b"\x89PNG\r\n\x1a\n" + body + chunk(b"IEND", b"")


def image_fixtures(out):
    os.makedirs(out, exist_ok=True)
    expected = {}

    def save(name, data, pixels):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        expected[name] = pixels

    gray = [[0, 64, 128], [192, 255, 10]]
    save("gray.png", png(3, 2, 0, [bytes(r) for r in gray], 1), [[[v, v, v] for v in r] for r in gray])
    rgb = [[(255, 0, 0), (0, 255, 0)], [(0, 0, 255), (10, 20, 30)]]
    save("rgb.png", png(2, 2, 2, [bytes(sum(r, ())) for r in rgb], 3), [[list(p) for p in r] for r in rgb])
    rgba = [[(255, 0, 0, 255), (0, 255, 0, 0)], [(0, 0, 255, 128), (10, 20, 30, 255)]]
    save("rgba.png", png(2, 2, 6, [bytes(sum(r, ())) for r in rgba], 4), [[list(p[:3]) for p in r] for r in rgba])
    palette = [(0, 0, 0), (255, 255, 255), (200, 100, 50)]
    indexed = [[0, 1, 2], [2, 1, 0]]
    save("palette.png", png(3, 2, 3, [bytes(r) for r in indexed], 1, palette=palette),
         [[list(palette[i]) for i in r] for r in indexed])
    # Five rows, each with another filter type (None, Sub, Up, Average, Paeth).
    ramp = [[((x * 37 + y * 91) % 256, (x * 13 + y * 7) % 256, (255 - x * 29 - y * 17) % 256) for x in range(4)] for y in range(5)]
    save("filters.png", png(4, 5, 2, [bytes(sum(r, ())) for r in ramp], 3, filters=[0, 1, 2, 3, 4]),
         [[list(p) for p in r] for r in ramp])
    save("gray.pgm", b"P5\n# a comment\n3 2\n255\n" + bytes(sum(gray, [])), [[[v, v, v] for v in r] for r in gray])
    save("rgb.ppm", b"P6 2 2 255\n" + bytes(sum((sum(r, ()) for r in rgb), ())), [[list(p) for p in r] for r in rgb])
    save("ascii.pgm", b"P2\n3 2\n15\n0 4 8\n12 15 1\n",
         [[[round(v * 255 / 15)] * 3 for v in r] for r in [[0, 4, 8], [12, 15, 1]]])
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f, sort_keys=True, indent=1)
        f.write("\n")


def digits_fixtures(out):
    import numpy as np
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier
    from skl2onnx import to_onnx

    os.makedirs(out, exist_ok=True)
    x, y = load_digits(return_X_y=True)
    # The model sees what the plugins make of an 8-bit PNG: round(v * 255 / 16) / 255.
    x = (np.round(x * 255 / 16) / 255).astype(np.float32)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.3, random_state=0, stratify=y)
    model = MLPClassifier(hidden_layer_sizes=(32,), max_iter=500, random_state=0).fit(x_train, y_train)
    onnx_model = to_onnx(model, x_train[:1], options={id(model): {"zipmap": False}}, target_opset=17)
    with open(os.path.join(out, "digits.onnx"), "wb") as f:
        f.write(onnx_model.SerializeToString())
    names = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    with open(os.path.join(out, "labels.txt"), "w") as f:
        f.write("\n".join(names) + "\n")
    predicted = model.predict(x_test)
    written = set()
    for image, label, guess in zip(x_test, y_test, predicted):
        if label != guess or label in written or label not in (3, 7):
            continue
        pixels = np.round(image * 255).astype(np.uint8).reshape(8, 8)
        with open(os.path.join(out, f"digit-{label}.png"), "wb") as f:
            f.write(png(8, 8, 0, [bytes(r) for r in pixels], 1, filters=[4] * 8))
        with open(os.path.join(out, f"digit-{label}.pgm"), "wb") as f:
            f.write(b"P5 8 8 255\n" + pixels.tobytes())
        written.add(label)
    print(f"digits MLP test accuracy {model.score(x_test, y_test):.4f}; wrote digits {sorted(written)}")


if __name__ == "__main__":
    image_fixtures("Tests/ImagePluginTests/Fixtures")
    digits_fixtures("Tests/baleTests/Fixtures/digits")
