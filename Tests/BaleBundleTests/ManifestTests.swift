import BaleBundle
import Testing

@Suite struct ManifestTests {
    static let digest = String(repeating: "ab", count: 32)

    static func sample() -> Manifest {
        var m = Manifest(
            name: "resnet18", version: "1.2.0", createdAt: "2026-11-26T10:00:00Z", creator: "bale 0.1.0",
            target: Manifest.Target(profile: "edge-arm64", arch: "arm64", precision: "int8"))
        m.model.inputs = [Manifest.TensorSpec(name: "x", dtype: "f32", shape: [.symbolic("batch"), .fixed(3)])]
        m.files = [Manifest.File(path: "graph.json", size: 12, sha256: digest, mediaType: "application/json")]
        m.metrics = ["accuracy": 0.75]
        return m
    }

    @Test func canonicalBytesRoundTrip() throws {
        let bytes = Self.sample().canonicalBytes()
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix(#"{"createdAt":"2026-11-26T10:00:00Z","creator":"bale 0.1.0","files":[{"#))
        #expect(!text.contains(": ") && !text.contains(", ") && !text.contains("\n"))
        let decoded = try Manifest.decode(bytes)
        #expect(decoded.withoutSource == Self.sample())
        #expect(decoded.canonicalBytes() == bytes)
    }

    @Test func unknownFieldsOfANewerMinorVersionAreKept() throws {
        let value = try JSONParser().parse(Self.sample().canonicalBytes())
        guard case .object(var top) = value, case .object(var target)? = top["target"] else { Issue.record(); return }
        top["formatVersion"] = "1.7"
        top["futureTopLevel"] = ["a": 1]
        target["futureNested"] = true
        top["target"] = .object(target)
        let bytes = Self.sealed(top)
        let manifest = try Manifest.decode(bytes)
        #expect(manifest.formatVersion == FormatVersion(major: 1, minor: 7))
        #expect(manifest.canonicalBytes() == bytes)
    }

    @Test(arguments: ["2.0", "10.3"])
    func newerMajorVersionIsRefused(_ version: String) {
        let bytes = JSONValue.object(["formatVersion": .string(version), "anything": 1]).canonicalBytes
        let error = bundleError { _ = try Manifest.decode(bytes) }
        #expect(error?.code == .unsupportedVersion)
        #expect(error?.message.contains("upgrade bale") == true)
    }

    /// Canonical bytes of `object` with a correct `manifestSha256`, as a writer would make them.
    static func sealed(_ object: [String: JSONValue]) -> [UInt8] {
        var object = object
        object["manifestSha256"] = nil
        object["manifestSha256"] = .string(SHA256Digest.hex(of: JSONValue.object(object).canonicalBytes))
        return JSONValue.object(object).canonicalBytes
    }

    @Test(arguments: ["name", "version", "createdAt", "creator", "target", "model", "plugins", "files", "metrics", "formatVersion", "manifestSha256"])
    func missingRequiredFieldIsNamed(_ field: String) throws {
        guard case .object(var top) = try JSONParser().parse(Self.sample().canonicalBytes()) else { return }
        top[field] = nil
        let bytes = field == "manifestSha256" ? JSONValue.object(top).canonicalBytes : Self.sealed(top)
        let error = bundleError { _ = try Manifest.decode(bytes) }
        #expect(error?.code == .manifestInvalid)
        #expect(error?.message.contains("'\(field)'") == true, "\(String(describing: error))")
    }

    static let invalidEdits: [(String, @Sendable (inout Manifest) -> Void, String)] = [
        ("bad digest", { (m: inout Manifest) in m.files[0].sha256 = "XYZ" }, "files[0].sha256"),
        ("bad name", { (m: inout Manifest) in m.name = "../x" }, "name"),
        ("bad time", { (m: inout Manifest) in m.createdAt = "yesterday" }, "createdAt"),
        ("unsafe path", { (m: inout Manifest) in m.files[0].path = "/etc/passwd" }, "files[0].path"),
        ("bad stage", { (m: inout Manifest) in m.plugins = [.init(name: "p", stage: "sometimes")] }, "plugins[0].stage"),
        ("unsorted", { (m: inout Manifest) in m.files.insert(.init(path: "z", size: 1, sha256: digest, mediaType: "x"), at: 0) }, "files"),
        ("case clash", { (m: inout Manifest) in m.files.append(.init(path: "Graph.json", size: 1, sha256: digest, mediaType: "x")); m.files.sort { BundlePath.precedes($0.path, $1.path) } }, "files"),
    ]

    @Test(arguments: invalidEdits)
    func invalidValuesAreNamed(_ name: String, _ edit: @Sendable (inout Manifest) -> Void, _ field: String) {
        var manifest = Self.sample()
        edit(&manifest)
        let error = bundleError { _ = try Manifest.decode(manifest.canonicalBytes()) }
        #expect(error?.code == .manifestInvalid, "\(name)")
        #expect(error?.message.contains("'\(field)'") == true, "\(name): \(String(describing: error))")
    }

    @Test func wrongTypeIsNamed() throws {
        guard case .object(var top) = try JSONParser().parse(Self.sample().canonicalBytes()) else { return }
        top["files"] = [["path": "a", "size": "big", "sha256": .string(Self.digest), "mediaType": "x"]]
        let error = bundleError { _ = try Manifest.decode(Self.sealed(top)) }
        #expect(error?.message.contains("files[0].size") == true, "\(String(describing: error))")
    }

    @Test func everyFlippedByteOfTheManifestIsCaught() {
        let bytes = Self.sample().canonicalBytes()
        for index in bytes.indices {
            for mask: UInt8 in [0x01, 0x20, 0x80] {
                var flipped = bytes
                flipped[index] ^= mask
                #expect(bundleError { _ = try Manifest.decode(flipped) } != nil, "flip \(mask) at \(index)")
            }
        }
    }

    @Test func timestampRules() {
        #expect(Manifest.isTimestamp("2026-11-26T10:00:00Z"))
        #expect(Manifest.isTimestamp("2026-11-26T10:00:00.123Z"))
        #expect(!Manifest.isTimestamp("2026-13-26T10:00:00Z"))
        #expect(!Manifest.isTimestamp("2026-11-26T10:00:00+01:00"))
        #expect(!Manifest.isTimestamp("2026-11-26 10:00:00Z"))
    }
}

@Suite struct BundlePathTests {
    @Test(arguments: ["a", "a/b/c.bin", "weights/layer.0.weight", "x-y_z+1@2=3,4~5", "..a", "a..b"])
    func validPaths(_ path: String) {
        #expect(BundlePath.problem(with: path) == nil)
    }

    @Test(arguments: ["", "/abs", "../x", "a/../b", "a/./b", "a//b", "a/", ".", "..", "manifest.json", "manifest.sig",
                      "with space", "back\\slash", "tab\t", "ünïcode", String(repeating: "a", count: 256), String(repeating: "a/", count: 600) + "b"])
    func invalidPaths(_ path: String) {
        #expect(BundlePath.problem(with: path) != nil)
    }

    @Test func clashes() {
        #expect(BundlePath.clash(in: ["a", "b"]) == nil)
        #expect(BundlePath.clash(in: ["A", "a"]) != nil)
        #expect(BundlePath.clash(in: ["a", "a/b"]) != nil)
        #expect(BundlePath.clash(in: ["a/b", "a/c"]) == nil)
    }
}
