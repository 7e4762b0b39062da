#!/usr/bin/env python3
"""Checks normalize.wasm and argmax-monitor.wasm against the ABI (docs/wasm-plugins.md) with a
tiny host in Python: `pip install wasmtime numpy`, then `python3 check.py`.

normalize's results are compared bit for bit with numpy's f32 arithmetic on Float(Double(text))
parameters, which is what the native Swift plugin computes."""
import random
import struct
import sys
from pathlib import Path

import numpy as np
import wasmtime

HERE = Path(__file__).resolve().parent
ENGINE = wasmtime.Engine()
MODULES = {name: wasmtime.Module.from_file(ENGINE, str(HERE / f"{name}.wasm")) for name in ("normalize", "argmax-monitor")}


def abi_version(path):
    """The content of the module's custom section "bale_abi_version"."""
    data, i = path.read_bytes(), 8

    def leb(i):
        value, shift = 0, 0
        while True:
            byte = data[i]
            value, shift, i = value | (byte & 0x7F) << shift, shift + 7, i + 1
            if byte < 0x80:
                return value, i

    while i < len(data):
        section, (size, i) = data[i], leb(i + 1)
        if section == 0:
            length, start = leb(i)
            if data[start:start + length] == b"bale_abi_version":
                return data[start + length:i + size]
        i += size
    return None


class Plugin:
    def __init__(self, name, config=None):
        self.store = wasmtime.Store(ENGINE)
        self.logs, self.error = [], None
        module = MODULES[name]
        i32, i64 = wasmtime.ValType.i32(), wasmtime.ValType.i64()
        hosts = {
            "log": wasmtime.Func(self.store, wasmtime.FuncType([i32, i32, i32], []), lambda lv, p, n: self.logs.append((lv, self.read(p, n).decode()))),
            "error": wasmtime.Func(self.store, wasmtime.FuncType([i32, i32], []), self.set_error),
        }
        for imp in module.imports:
            assert imp.module == "bale" and imp.name in hosts, (imp.module, imp.name)
        self.instance = wasmtime.Instance(self.store, module, [hosts[imp.name] for imp in module.imports])
        self.exports = self.instance.exports(self.store)
        assert abi_version(HERE / f"{name}.wasm") == b"1", "no ABI version 1 custom section"
        self.init_status = None
        if config is not None:
            text = "".join(f"{k}={v}\n" for k, v in sorted(config.items())).encode()
            self.init_status = self.call("bale_init", text)

    def set_error(self, p, n):
        self.error = self.read(p, n).decode()

    def read(self, p, n):
        return bytes(self.exports["memory"].read(self.store, p, p + n))

    def call(self, entry, data):
        self.error = None
        p = self.exports["bale_alloc"](self.store, len(data))
        assert p > 0 and p % 4 == 0
        self.exports["memory"].write(self.store, data, p)
        return self.exports[entry](self.store, p, len(data))

    def preprocess(self, data):
        r = self.call("bale_preprocess", data)
        if r < 0:
            assert self.error, "failure without bale.error"
            return None
        return self.read(r >> 32, r & 0xFFFFFFFF)


def tensors(*items, kind=3):
    out = struct.pack("<II", kind, len(items))
    for name, dims, values in items:
        nb = name.encode()
        out += struct.pack("<III", 1, len(dims), len(nb)) + nb + b"\0" * (-len(nb) % 4)
        out += struct.pack(f"<{len(dims)}I", *dims) + np.asarray(values, dtype="<f4").tobytes()
    return out


def parse_tensors(buf):
    kind, count = struct.unpack_from("<II", buf)
    assert kind == 3
    at, result = 8, []
    for _ in range(count):
        dtype, rank, nlen = struct.unpack_from("<III", buf, at)
        at += 12
        name = buf[at:at + nlen].decode()
        at += nlen + (-nlen % 4)
        dims = list(struct.unpack_from(f"<{rank}I", buf, at))
        at += 4 * rank
        n = int(np.prod(dims)) if dims else 1
        result.append((name, dims, np.frombuffer(buf, dtype="<f4", count=n, offset=at)))
        at += 4 * n
    assert at == len(buf)
    return result


def expected(values, dims, config):
    lists = {k: [np.float32(float(t)) for t in config.get(k, d).split("/")] for k, d in (("scale", "1"), ("mean", "0"), ("std", "1"))}
    channels = max(len(v) for v in lists.values())
    stride = 1
    if channels > 1 and len(dims) >= 3 and dims[1] == channels:
        stride = int(np.prod(dims[2:]))
    v = np.asarray(values, dtype=np.float32)
    c = (np.arange(v.size) // stride) % channels
    pick = lambda k: np.array(lists[k], dtype=np.float32)[c if len(lists[k]) > 1 else 0]
    x = v * pick("scale")
    return (x - pick("mean")) / pick("std")


def same_bits(a, b):
    return np.array_equal(np.asarray(a, np.float32).view(np.uint32), np.asarray(b, np.float32).view(np.uint32))


def check_normalize():
    rng = random.Random(1)
    mnist = {"scale": "0.00392156862745098", "mean": "0.1307", "std": "0.3081"}
    image = bytes(rng.randrange(256) for _ in range(784))
    [(name, dims, out)] = parse_tensors(Plugin("normalize", mnist).preprocess(struct.pack("<I", 1) + image))
    assert name == "" and dims == [784] and same_bits(out, expected(list(image), dims, mnist))

    rgb = {"scale": "0.00392156862745098", "mean": "0.485/0.456/0.406", "std": "0.229/0.224/0.225"}
    p = Plugin("normalize", rgb)
    pixels = bytes(rng.randrange(256) for _ in range(3 * 16))
    [(_, dims, out)] = parse_tensors(p.preprocess(struct.pack("<I", 1) + pixels))
    assert same_bits(out, expected(list(pixels), dims, rgb))
    nchw = np.array([rng.uniform(-300, 300) for _ in range(2 * 3 * 2 * 2)], dtype=np.float32)
    nhwc = np.array([rng.uniform(-1, 1) for _ in range(5 * 3)], dtype=np.float32)
    got = parse_tensors(p.preprocess(tensors(("images", [2, 3, 2, 2], nchw), ("x", [5, 3], nhwc), ("", [0, 3], []))))
    assert [(n, d) for n, d, _ in got] == [("images", [2, 3, 2, 2]), ("x", [5, 3]), ("", [0, 3])]
    assert same_bits(got[0][2], expected(nchw, [2, 3, 2, 2], rgb)) and same_bits(got[1][2], expected(nhwc, [5, 3], rgb))
    for _ in range(3):  # the bump allocator is reset by every bale_alloc
        assert p.preprocess(tensors(("x", [5, 3], nhwc))) is not None

    # Number parsing: with scale=text and one byte 1, the output is Float(Double(text)).
    texts = ["255", "-0.5", "1e-3", "1E+2", "+3.25", ".5", "7.", "0.000001", "123456789012345", "9007199254740991",
             "0.1", "1e22", "1e-22", "3.4028234e22", "0.0", "-0"]
    for _ in range(3000):
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 15)))
        dot = rng.randint(0, len(digits))
        text = rng.choice(["", "-"]) + digits[:dot] + "." + digits[dot:]
        if rng.random() < 0.5:
            text += "e" + str(rng.randint(-7, 7))
        texts.append(text)
    for text in texts:
        p = Plugin("normalize", {"scale": text})
        assert p.init_status == 0, (text, p.error)
        [(_, _, out)] = parse_tensors(p.preprocess(struct.pack("<IB", 1, 1)))
        assert same_bits(out, [np.float32(float(text))]), (text, out, np.float32(float(text)))

    for config, needle in [({"scale": "2", "gamma": "1"}, "unknown key 'gamma' (accepted: mean, scale, std)"),
                           ({"std": "0"}, "key 'std'"), ({"std": "1/0/1"}, "value 2 is 0"),
                           ({"mean": "1/2", "std": "1/2/3"}, "key 'mean'"), ({"mean": "abc"}, "key 'mean'"),
                           ({"mean": "1//2"}, "key 'mean'"), ({"mean": ""}, "key 'mean'"), ({"scale": "inf"}, "key 'scale'"),
                           ({"scale": "0.12345678901234567891"}, "too many digits"), ({"scale": "1e23"}, "too many digits"),
                           ({"scale": "0x10"}, "key 'scale'")]:
        p = Plugin("normalize", config)
        assert p.init_status != 0 and needle in p.error, (config, p.error)

    p = Plugin("normalize", rgb)
    good = tensors(("x", [5, 3], nhwc))
    bad = [struct.pack("<I", 2) + b'{"data": [1]}', b"", b"\3\0", struct.pack("<I", 9), struct.pack("<II", 3, 1),
           struct.pack("<II", 3, 0x7FFFFFFF), good[:-1], good + b"\0\0\0\0", struct.pack("<IIIIIf", 3, 1, 2, 0, 0, 1.0),
           tensors(("x", [0x10000, 0x10000, 0x10000], [])), tensors(("x", [7], np.zeros(7))), struct.pack("<I", 1) + b"\1\2"]
    for data in bad:
        assert p.preprocess(data) is None, data
    assert "send raw bytes or tensors" in (p.preprocess(bad[0]) is None and p.error)
    print("normalize.wasm: ok (%d numbers parsed bit-identically)" % len(texts))


def record(ok, outputs, kind=4):
    body = tensors(*outputs)[4:]
    return struct.pack("<III", kind, ok, 1234) + body


def check_monitor():
    p = Plugin("argmax-monitor", {"every": "3"})
    assert p.init_status == 0
    seq = [record(1, [("probs", [1, 4], [0.1, 0.7, 0.7, 0.2]), ("aux", [1], [5])]), record(0, []),
           record(1, [("y", [20], [0] * 17 + [1, 0, 0])]), record(1, [("y", [3], [float("nan"), -1, -2])]),
           record(1, [("y", [0], [])]), record(1, [])]
    for r in seq:
        assert p.call("bale_monitor", r) == 0, p.error
    assert p.logs == [(1, "inferences=3 failures=1 argmax=1:1,15:1"), (1, "inferences=6 failures=1 argmax=1:2,15:1")], p.logs
    for data in [b"", record(2, []), record(1, [], kind=3), record(1, [("y", [3], [1, 2, 3])])[:-2], struct.pack("<IIII", 4, 1, 0, 5)]:
        assert p.call("bale_monitor", data) != 0 and p.error, data
    assert Plugin("argmax-monitor", {}).init_status == 0
    for config in [{"every": "0"}, {"every": "1000001"}, {"every": "x"}, {"every": "-5"}, {"every": ""}, {"period": "5"}]:
        q = Plugin("argmax-monitor", config)
        assert q.init_status != 0 and q.error, config
    assert "unknown key 'period' (accepted: every)" == Plugin("argmax-monitor", {"period": "5"}).error
    q = Plugin("argmax-monitor")  # no bale_init: every = 100
    for _ in range(200):
        q.call("bale_monitor", record(1, [("y", [2], [0, 1])]))
    assert q.logs == [(1, "inferences=100 failures=0 argmax=1:100"), (1, "inferences=200 failures=0 argmax=1:200")], q.logs
    print("argmax-monitor.wasm: ok")


if __name__ == "__main__":
    check_normalize()
    check_monitor()
    sys.exit(0)
