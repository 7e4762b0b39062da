#!/usr/bin/env python3
"""Quantization and pruning figures, measured side by side in one run.

1. Accuracy and size on a model trained for real: an MLP on scikit-learn's digits
   (scripts/train-digits.py), built as fp32, fp16, int8 (`--quantize`), int8 with static
   activations (`--calibration` on 200 training samples) and 50 % / 80 % magnitude pruned fp32
   bundles for the edge-arm64 profile (zstd level 19), each validated on the held-out test set
   (`--validate`); accuracies come from the manifests (`bale inspect --json`).
2. Speed of dynamic against static int8 activations on that digits MLP: `bale bench` at batch 1
   on 1 thread and batch 64 on 2 threads, alternating, medians of the rounds.
3. Speed and size of int8 against fp32 on the MLP 784-1024-1024-10 of scripts/bench-vs-ort,
   measured the same way.

Usage: benchmarks/quantization.py [--bale PATH] [--work-dir DIR] [--rounds N] [--digits-only]
Needs: pip install numpy onnx scikit-learn skl2onnx. Builds bale (swift build -c release) if missing.
"""
import argparse
import importlib.machinery
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def bench_vs_ort():
    """scripts/bench-vs-ort as a module, for its MLP generator."""
    loader = importlib.machinery.SourceFileLoader("bench_vs_ort", str(ROOT / "scripts/bench-vs-ort"))
    spec = importlib.util.spec_from_loader("bench_vs_ort", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def run(*args):
    return subprocess.run([str(a) for a in args], check=True, capture_output=True, text=True).stdout


def build(bale, model, out, name, *flags):
    run(bale, "build", model, "--target", "edge-arm64", "-o", out, "--name", name,
        "--created-at", "2026-01-01T00:00:00Z", *flags)
    path = out / f"{name}-1.0-edge-arm64.bale"
    manifest = json.loads(run(bale, "inspect", path, "--json"))
    return path, manifest


def metrics(manifest):
    return (manifest.get("manifest") or manifest).get("metrics", {})


def median_ms(bale, bundle, threads, feed):
    report = json.loads(run(bale, "bench", bundle, "--threads", threads, "--input", feed, "--iterations", "50", "--json"))
    return report["median_ms"]


def compare_speed(bale, title, bundles, feeds, rounds):
    """Prints a table of `bale bench` medians of two bundles (label → path), alternating, at
    batch 1 on 1 thread and batch 64 on 2 threads (feeds: batch → `name=file.npy`)."""
    (a_label, a), (b_label, b) = bundles.items()
    print(f"\n| {title} | {a_label} median ms | {b_label} median ms | speed-up | rounds |")
    print("|---|---|---|---|---|")
    for batch, threads in ((1, 1), (64, 2)):
        times = {a_label: [], b_label: []}
        for _ in range(rounds):
            for label, bundle in bundles.items():
                times[label].append(median_ms(bale, bundle, threads, feeds[batch]))
        x, y = statistics.median(times[a_label]), statistics.median(times[b_label])
        print(f"| batch {batch}, {threads} thread{'s' if threads > 1 else ''} | {x:.4f} | {y:.4f} | {x / y:.2f}× | {rounds} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bale", type=Path, default=ROOT / ".build/release/bale")
    parser.add_argument("--work-dir", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--digits-only", action="store_true", help="skip the 784-1024-1024-10 MLP")
    args = parser.parse_args()
    if not args.bale.exists():
        subprocess.run(["swift", "build", "-c", "release", "--product", "bale"], cwd=ROOT, check=True)
    with tempfile.TemporaryDirectory() as temporary:
        work = (args.work_dir or Path(temporary)).resolve()
        print(run(sys.executable, ROOT / "scripts/train-digits.py", work / "digits").strip())
        digits, test, calibration = work / "digits/digits.onnx", work / "digits/test", work / "digits/calibration"
        dist = work / "dist"
        variants = [
            ("fp32", ["--quantize", "none"]),
            ("fp16", ["--quantize", "fp16"]),
            ("int8", ["--quantize", "int8"]),
            ("int8, static activations", ["--quantize", "int8", "--calibration", calibration]),
            ("fp32, 50 % pruned", ["--quantize", "none", "--prune", "0.5"]),
            ("fp32, 80 % pruned", ["--quantize", "none", "--prune", "0.8"]),
        ]
        print("\n| digits MLP (edge-arm64, zstd 19) | test accuracy | original | top-1 agreement | bundle bytes | vs fp32 |")
        print("|---|---|---|---|---|---|")
        base = None
        paths = {}
        for index, (label, flags) in enumerate(variants):
            path, manifest = build(args.bale, digits, dist, f"digits-{index}", "--validate", test, *flags)
            paths[label] = path
            validation = metrics(manifest)["validation"]
            size = path.stat().st_size
            base = base or size
            print(f"| {label} | {validation['accuracy'] * 100:.2f} % | {validation['referenceAccuracy'] * 100:.2f} % "
                  f"| {validation['top1Agreement'] * 100:.2f} % | {size} | {size / base:.3f} |")

        import numpy as np
        test_x = np.load(test / "X.npy")
        digit_feeds = {}
        for batch in (1, 64):
            np.save(work / f"digits-b{batch}.npy", test_x[:batch])
            digit_feeds[batch] = f"X={work / f'digits-b{batch}.npy'}"
        compare_speed(args.bale, "digits MLP int8", {"dynamic": paths["int8"], "static": paths["int8, static activations"]},
                      digit_feeds, args.rounds)
        if args.digits_only:
            return

        mlp = bench_vs_ort().mlp_model(work / "mlp/model.onnx")
        fp32, _ = build(args.bale, mlp, dist, "mlp-fp32", "--quantize", "none")
        int8, _ = build(args.bale, mlp, dist, "mlp-int8", "--quantize", "int8")
        rng = np.random.default_rng(4)
        feeds = {}
        for batch in (1, 64):
            np.save(work / f"mlp-b{batch}.npy", rng.uniform(-1, 1, (batch, 784)).astype(np.float32))
            feeds[batch] = f"input={work / f'mlp-b{batch}.npy'}"
        compare_speed(args.bale, "MLP 784-1024-1024-10", {"fp32": fp32, "int8": int8}, feeds, args.rounds)
        print(f"\nMLP bundle bytes (edge-arm64, zstd 19): fp32 {fp32.stat().st_size}, int8 {int8.stat().st_size} "
              f"({int8.stat().st_size / fp32.stat().st_size:.3f}×)")


if __name__ == "__main__":
    main()
