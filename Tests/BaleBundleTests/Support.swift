import BaleBundle
import BaleTesting

/// A small payload directory and helpers shared by the bundle tests.
struct Fixture {
    let dir = TemporaryDirectory()
    var payload: String { dir.file("payload") }

    /// Files: a nested binary, a text file, an empty file and an ONNX-named file.
    init() {
        dir.write("payload/weights/w0.bin", pseudoRandomBytes(300_000))
        dir.write("payload/config.json", Array(#"{"layers":3}"#.utf8))
        dir.write("payload/empty.txt", [])
        dir.write("payload/model.onnx", pseudoRandomBytes(1000, seed: 7))
    }

    static let manifest = Manifest(
        name: "demo", version: "1.0", createdAt: "2026-11-26T10:00:00Z", creator: "bale-tests",
        target: .any)

    /// Packs the payload into `name` and returns the bundle's path and info.
    @discardableResult
    func pack(
        _ name: String = "demo.bale", settings: ZstdSettings = ZstdSettings(level: 3, workers: 2),
        signingKey: BundleSigningKey? = nil
    ) throws -> (path: String, info: BundleInfo) {
        let files = try PayloadDirectory(scanning: payload).files
        let path = dir.file(name)
        let info = try BundleWriter(compression: settings)
            .write(manifest: Self.manifest, payload: files, to: path, signingKey: signingKey)
        return (path, info)
    }
}

/// The error a throwing call produced, or nil.
func bundleError(_ body: () throws -> Void) -> BundleError? {
    do {
        try body()
        return nil
    } catch let error as BundleError {
        return error
    } catch {
        return BundleError(.io, "unexpected error type: \(error)")
    }
}
