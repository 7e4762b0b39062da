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
4. (`--cnn`) Speed of int8 against fp32 on the fixture CNN (Tests/BaleONNXTests/Fixtures/models/cnn),
   measured the same way; with `--unfused-bale OLD` also an int8 bundle built by an older bale
   whose optimiser left the Conv chains unfused (benched by `--bale`, which still runs them).

Usage: benchmarks/quantization.py [--bale PATH] [--work-dir DIR] [--rounds N] [--digits-only]
       benchmarks/quantization.py --cnn [--unfused-bale OLD] [--bale PATH] [--rounds N]
Needs: pip install numpy onnx scikit-learn skl2onnx. Builds bale (swift build -c release) if missing.
"""
import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from bench_models import mlp_model  # noqa: E402  (scripts/bench_models.py, also used by scripts/bench-vs-ort)


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
    """Prints a table of `bale bench` medians of bundles (label → path) and the speed-up of each over
    the first, alternating, at batch 1 on 1 thread and batch 64 on 2 threads (feeds: batch →
    `name=file.npy`)."""
    labels = list(bundles)
    base = labels[0]
    print(f"\n| {title} | " + " | ".join(f"{label} median ms" for label in labels) + " | "
          + " | ".join(f"{label} speed-up" for label in labels[1:]) + " | rounds |")
    print("|---" * (2 * len(labels) + 1) + "|")
    for batch, threads in ((1, 1), (64, 2)):
        times = {label: [] for label in labels}
        for _ in range(rounds):
            for label, bundle in bundles.items():
                times[label].append(median_ms(bale, bundle, threads, feeds[batch]))
        medians = {label: statistics.median(values) for label, values in times.items()}
        print(f"| batch {batch}, {threads} thread{'s' if threads > 1 else ''} | "
              + " | ".join(f"{medians[label]:.4f}" for label in labels) + " | "
              + " | ".join(f"{medians[base] / medians[label]:.2f}×" for label in labels[1:]) + f" | {rounds} |")


def compare_cnn(bale, unfused_bale, work, rounds):
    """Section 4: the fixture CNN, fp32 against int8 (and int8 unfused, built by `unfused_bale`)."""
    import numpy as np
    model = ROOT / "Tests/BaleONNXTests/Fixtures/models/cnn/model.onnx"
    dist = work / "dist"
    bundles = {"fp32": build(bale, model, dist, "cnn-fp32", "--quantize", "none")[0],
               "int8": build(bale, model, dist, "cnn-int8", "--quantize", "int8")[0]}
    if unfused_bale:
        bundles["int8 unfused"] = build(unfused_bale, model, dist, "cnn-int8-unfused", "--quantize", "int8")[0]
    rng = np.random.default_rng(4)
    feeds = {}
    for batch in (1, 64):
        np.save(work / f"cnn-b{batch}.npy", rng.uniform(-1, 1, (batch, 3, 16, 16)).astype(np.float32))
        feeds[batch] = f"input={work / f'cnn-b{batch}.npy'}"
    compare_speed(bale, "fixture CNN", bundles, feeds, rounds)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bale", type=Path, default=ROOT / ".build/release/bale")
    parser.add_argument("--work-dir", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--digits-only", action="store_true", help="skip the 784-1024-1024-10 MLP")
    parser.add_argument("--cnn", action="store_true", help="only the fixture CNN, fp32 against int8")
    parser.add_argument("--unfused-bale", type=Path, help="with --cnn: an older bale building unfused int8 Conv chains")
    args = parser.parse_args()
    if not args.bale.exists():
        subprocess.run(["swift", "build", "-c", "release", "--product", "bale"], cwd=ROOT, check=True)
    with tempfile.TemporaryDirectory() as temporary:
        work = (args.work_dir or Path(temporary)).resolve()
        if args.cnn:
            return compare_cnn(args.bale, args.unfused_bale, work, args.rounds)
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

        mlp = mlp_model(work / "mlp/model.onnx")
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
