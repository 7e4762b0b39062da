#!/usr/bin/env python3
"""Checks a real `bale serve` with the stock KServe v2 client, tritonclient[http].

Run by scripts/serve-check (which makes a virtualenv with tritonclient): builds the digits
bundle with the image, normalize and topk plugins, starts `bale serve` on a free port, and
checks health, metadata, inference with JSON and with binary tensor data (against `bale run`),
a raw PNG through the plugins as a BYTES input, error answers, and that SIGTERM lets requests
in flight finish and exits 0. Exits non-zero on the first failed check.
"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

import numpy as np
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DIGITS = os.path.join(ROOT, "Tests/baleTests/Fixtures/digits")


def check(condition, what):
    if not condition:
        sys.exit(f"serve-check: FAILED: {what}")
    print(f"ok: {what}")


def start_server(bale, args):
    process = subprocess.Popen([bale, "serve", "--port", "0", *args], stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    port = None
    while time.time() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        match = re.search(r"port=(\d+) .*listening", line)
        if match:
            port = int(match.group(1))
            break
    if port is None:
        process.kill()
        sys.exit("serve-check: FAILED: bale serve did not start listening")
    threading.Thread(target=lambda: [None for _ in process.stderr], daemon=True).start()  # drain the log
    url = f"127.0.0.1:{port}"
    while time.time() < deadline:  # ready once the models are loaded
        try:
            if urllib.request.urlopen(f"http://{url}/v2/health/ready").status == 200:
                return process, url
        except urllib.error.URLError:
            pass
        time.sleep(0.05)
    process.kill()
    sys.exit("serve-check: FAILED: bale serve did not become ready")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bale", default=os.path.join(ROOT, ".build/debug/bale"))
    options = parser.parse_args()
    work = tempfile.mkdtemp(prefix="bale-serve-check-")
    subprocess.run(
        [options.bale, "build", f"{DIGITS}/digits.onnx", "-o", work, "--target", "cloud-x86_64",
         "--plugin", "image", "--plugin", "normalize:scale=0.00392156862745098",
         "--plugin", "topk:k=1,labels=labels.txt", "--plugin-asset", f"topk={DIGITS}/labels.txt"],
        check=True, stdout=subprocess.DEVNULL)
    bundle = os.path.join(work, "digits-1.0-cloud-x86_64.bale")

    server, url = start_server(options.bale, [bundle])
    client = httpclient.InferenceServerClient(url)
    check(client.is_server_live() and client.is_server_ready(), "server live and ready")
    check(client.is_model_ready("digits"), "model ready")
    meta = client.get_model_metadata("digits")
    check(meta["inputs"] == [{"name": "X", "datatype": "FP32", "shape": [-1, 64]}], "model metadata inputs")
    check(client.get_server_metadata()["name"] == "bale", "server metadata")

    x = (np.arange(3 * 64, dtype=np.float32).reshape(3, 64) % 17) / 16
    expected = json.loads(subprocess.run(
        [options.bale, "run", bundle, "--no-postprocess", "--json", json.dumps({"inputs": {"X": x.tolist()}})],
        check=True, capture_output=True, text=True).stdout)["outputs"]["probabilities"]["data"]
    for binary in (False, True):
        tensor = httpclient.InferInput("X", list(x.shape), "FP32")
        tensor.set_data_from_numpy(x, binary_data=binary)
        outputs = [httpclient.InferRequestedOutput("probabilities", binary_data=binary)]
        result = client.infer("digits", [tensor], outputs=outputs, request_id=f"check-{binary}")
        probabilities = result.as_numpy("probabilities")
        check(result.get_response()["id"] == f"check-{binary}", f"request id echoed (binary={binary})")
        check(probabilities.shape == (3, 10) and np.allclose(probabilities.ravel(), expected, atol=1e-6),
              f"inference matches bale run (binary={binary})")

    png = np.array([open(f"{DIGITS}/digit-7.png", "rb").read()], dtype=np.object_)
    raw = httpclient.InferInput("image", [1], "BYTES")
    raw.set_data_from_numpy(png)
    response = json.loads(client.infer("digits", [raw]).as_numpy("response")[0])
    check(response["topk"][0]["label"] == "seven", "raw PNG through image, normalize and topk plugins")

    wrong = httpclient.InferInput("X", [1, 64], "INT64")
    wrong.set_data_from_numpy(np.zeros((1, 64), dtype=np.int64))
    try:
        client.infer("digits", [wrong])
        check(False, "wrong datatype refused")
    except InferenceServerException as error:
        check("datatype INT64 does not match the model's FP32" in str(error), "wrong datatype refused with the reason")
    try:
        client.get_model_metadata("nope")
        check(False, "unknown model refused")
    except InferenceServerException as error:
        check("unknown model 'nope'" in str(error), "unknown model refused")

    # SIGTERM with requests in flight: each of them still gets its answer, then exit 0.
    rows = 40000
    big = np.random.default_rng(0).random((rows, 64), dtype=np.float32)
    results = []

    def slow_request():
        tensor = httpclient.InferInput("X", [rows, 64], "FP32")
        tensor.set_data_from_numpy(big)
        try:
            own = httpclient.InferenceServerClient(url, network_timeout=60)
            results.append(own.infer("digits", [tensor]).as_numpy("probabilities").shape)
        except Exception as error:  # noqa: BLE001 - any failure is what this check looks for
            results.append(error)

    threads = [threading.Thread(target=slow_request) for _ in range(4)]
    for thread in threads:
        thread.start()
    deadline = time.time() + 30
    inflight = 0.0
    while time.time() < deadline and inflight < 3:
        metrics = urllib.request.urlopen(f"http://{url}/metrics").read().decode()
        inflight = float(re.search(r"^bale_server_inflight_requests ([0-9.]+)$", metrics, re.M).group(1))
        time.sleep(0.002)
    server.send_signal(signal.SIGTERM)
    check(inflight >= 3, f"SIGTERM sent with {inflight:g} requests in flight")
    for thread in threads:
        thread.join()
    code = server.wait(timeout=30)
    # A request that reached the server only after SIGTERM may be refused; every one in flight is answered.
    answered = sum(result == (rows, 10) for result in results)
    check(answered >= inflight, f"requests in flight at SIGTERM all answered ({answered} answered, {inflight:g} in flight: {results})")
    check(code == 0, f"exit status 0 after SIGTERM (got {code})")
    try:
        urllib.request.urlopen(f"http://{url}/v2/health/live", timeout=2)
        check(False, "no longer listening after SIGTERM")
    except (urllib.error.URLError, ConnectionError):
        check(True, "no longer listening after SIGTERM")
    check_wasm_plugins(options.bale, work)
    print("serve-check: all checks passed")


def post_raw(url, model, body):
    """POSTs raw bytes to MODEL's infer endpoint; returns (status, parsed JSON body)."""
    request = urllib.request.Request(f"http://{url}/v2/models/{model}/infer", data=body,
                                     headers={"Content-Type": "application/octet-stream"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def check_wasm_plugins(bale, work):
    """A bundle carrying a WebAssembly normalize (Examples/wasm-plugins) answers raw requests;
    a bundle whose module loops forever fails its request with the reason, and the server,
    serving both, keeps answering."""
    def build(name, plugins):
        subprocess.run([bale, "build", f"{DIGITS}/digits.onnx", "-o", work, "--name", name, "--target", "cloud-x86_64", *plugins],
                       check=True, stdout=subprocess.DEVNULL)
        return os.path.join(work, f"{name}-1.0-cloud-x86_64.bale")

    wasm = build("digits-wasm", ["--plugin-wasm", f"prep={ROOT}/Examples/wasm-plugins/normalize.wasm",
                                 "--plugin", "prep:scale=0.00392156862745098", "--plugin", "topk:k=1,labels=labels.txt",
                                 "--plugin-asset", f"topk={DIGITS}/labels.txt"])
    spin = build("spin", ["--plugin-wasm", f"spin={ROOT}/Tests/baleTests/Fixtures/wasm/endless-loop.wasm",
                          "--plugin-limit", "spin:fuel=5000000"])
    server, url = start_server(bale, [wasm, spin])
    pixels = open(f"{DIGITS}/digit-7.pgm", "rb").read()[-64:]
    status, body = post_raw(url, "digits-wasm", pixels)
    response = json.loads(body["outputs"][0]["data"][0]) if status == 200 else body
    check(status == 200 and response["topk"][0]["label"] == "seven", f"raw bytes through the wasm normalize plugin ({status} {body})")
    status, body = post_raw(url, "spin", b"\x01\x02")
    check(status >= 400 and "ran out of fuel" in body.get("error", ""), f"an endless wasm loop fails its request with the reason ({status} {body})")
    status, _ = post_raw(url, "digits-wasm", pixels)
    check(status == 200, "the server still answers after the loop was stopped")
    check(urllib.request.urlopen(f"http://{url}/v2/health/ready").status == 200, "still ready")
    server.send_signal(signal.SIGTERM)
    check(server.wait(timeout=30) == 0, "exit status 0 after SIGTERM")


if __name__ == "__main__":
    main()
