/// The operator sets a model imports, by domain, checked against what Bale supports.
struct OpsetImports {
    /// The ONNX opset versions Bale reads (older forms are rewritten, see docs/operators.md).
    static let supportedONNX = 7...21

    /// Version per domain; the default ONNX domain is `""` (`ai.onnx` is folded into it).
    let versions: [String: Int]
    /// The default-domain (ONNX) opset version.
    let onnx: Int

    /// Reads and checks a model's `opset_import` list.
    ///
    /// When a domain is listed twice the highest version wins, as ONNX binds nodes to the
    /// highest imported version.
    init(_ imports: [Onnx_OperatorSetIdProto]) throws(ImportError) {
        var versions: [String: Int] = [:]
        for entry in imports {
            let domain = Self.canonicalDomain(entry.domain)
            guard entry.version >= 1, let version = Int(exactly: entry.version) else {
                throw ImportError("opset import for domain '\(entry.domain)' has invalid version \(entry.version)")
            }
            versions[domain] = max(versions[domain] ?? version, version)
        }
        // A model of only `ai.onnx.ml` operators (a scikit-learn head) may import no default
        // opset; its nodes then need no ONNX-domain rewrites, so the newest version stands in.
        let onnx = versions[""] ?? Self.supportedONNX.upperBound
        guard Self.supportedONNX.contains(onnx) else {
            let hint =
                onnx < Self.supportedONNX.lowerBound
                ? "upgrade it with onnx.version_converter.convert_version(model, \(Self.supportedONNX.lowerBound)) or later"
                : "convert it down with onnx.version_converter.convert_version(model, \(Self.supportedONNX.upperBound))"
            throw ImportError(
                .unsupported,
                "the model uses ONNX opset \(onnx); Bale supports opsets \(Self.supportedONNX.lowerBound) to \(Self.supportedONNX.upperBound) (\(hint))"
            )
        }
        self.versions = versions
        self.onnx = onnx
    }

    /// `ai.onnx` is another name of the default domain `""`.
    static func canonicalDomain(_ domain: String) -> String {
        domain == "ai.onnx" ? "" : domain
    }
}
