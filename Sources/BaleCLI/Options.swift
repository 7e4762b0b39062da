public import ArgumentParser
public import BaleBundle
import BaleGraph
import BaleRuntime
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Options shared by every command that reads a bundle.
public struct ReadOptions: ParsableArguments {
    public init() {}

    @Option(name: .long, help: ArgumentHelp(
        "Refuse bundles that declare or expand to more than this (e.g. 512M, 16G).", valueName: "size"))
    var maxSize: ByteCount = ByteCount(BundleLimits.default.maxTotalBytes)

    /// The limits these options ask for.
    public var limits: BundleLimits { BundleLimits(maxTotalBytes: maxSize.bytes) }
}

/// Options for checking signatures.
public struct SignatureOptions: ParsableArguments {
    public init() {}

    @Option(name: .long, help: ArgumentHelp("Public key (PEM) to check the signature with.", valueName: "pub"))
    var key: String?

    /// `--require-signature`: refuse unsigned bundles.
    @Flag(name: .long, help: "Fail when the bundle is not signed (needs --key).")
    public var requireSignature = false

    public func validate() throws {
        if requireSignature && key == nil {
            throw ValidationError("--require-signature needs --key PUB to check the signature with")
        }
    }

    /// The public key, read from ``key``.
    public func publicKey() throws -> BundlePublicKey? {
        guard let key else { return nil }
        return try BundlePublicKey(pem: readText(key), source: key)
    }
}

/// A byte count written with an optional binary unit: `1024`, `64K`, `512M`, `16G`, `1T`.
public struct ByteCount: ExpressibleByArgument, CustomStringConvertible, Sendable {
    /// The count.
    public var bytes: UInt64

    /// A count of `bytes`.
    public init(_ bytes: UInt64) { self.bytes = bytes }

    public init?(argument: String) {
        let units: [Character: UInt64] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
        var text = argument.uppercased()
        if text.hasSuffix("IB") { text.removeLast(2) } else if text.hasSuffix("B") { text.removeLast() }
        var scale: UInt64 = 1
        if let last = text.last, let unit = units[last] {
            scale = unit
            text.removeLast()
        }
        guard let value = UInt64(text), value > 0 else { return nil }
        let (product, overflow) = value.multipliedReportingOverflow(by: scale)
        guard !overflow else { return nil }
        bytes = product
    }

    public var description: String { formatBytes(bytes).replacing(" ", with: "") }
}

/// Reads a small text file (keys), with a one-line error naming it.
public func readText(_ path: String) throws -> String {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw BundleError(.io, "cannot read '\(path)': \(FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file")", path: path)
    }
    return String(decoding: data, as: UTF8.self)
}

/// Reads a bearer token file (`--admin-token-file`, `--token-file`): surrounding whitespace is
/// dropped, an empty token refused.
func readToken(_ path: String, option: String) throws -> String {
    let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
    let token = String(try readText(path).drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    guard !token.isEmpty else { throw ValidationError("\(option) '\(path)' is empty") }
    return token
}

/// Reads `--input NAME=FILE.npy` options (bale run, bale bench) into feeds by name.
func readInputFiles(_ arguments: [String]) throws -> [String: Tensor] {
    var feeds: [String: Tensor] = [:]
    for argument in arguments {
        guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex else {
            throw ValidationError("--input '\(argument)' must be NAME=FILE.npy")
        }
        let name = String(argument[..<equals])
        guard feeds[name] == nil else { throw ValidationError("--input '\(name)' is given twice") }
        feeds[name] = try NPY.read(contentsOf: String(argument[argument.index(after: equals)...]))
    }
    return feeds
}
