public import BaleBundle
import BaleGraph
import BaleRuntime

/// Installs bundles into a ``DeviceDirectory``: stage → verify → self-test → rename → switch
/// `current` (the old one becomes `previous`) → keep `keep` older versions (issue 8).
///
/// A failure at any step leaves `current` and `previous` as they were; a bundle that fails its
/// self-test is never made current (automatic rollback) and the refusal is logged.
///
/// Example:
/// ```swift
/// let reader = BundleReader(publicKey: key, requireSignature: true)
/// let result = try Installer(device: DeviceDirectory(path: "/var/lib/bale"), reader: reader).install("mlp.bale")
/// ```
public struct Installer: Sendable {
    /// The device directory.
    public var device: DeviceDirectory
    /// Checks staged bundles (limits, key, whether a signature is required).
    public var reader: BundleReader
    /// Older versions kept besides `current` (`previous` counts as one).
    public var keep: Int
    /// Receives progress reports, if set.
    public var progress: ProgressHandler?

    /// Creates an installer.
    public init(device: DeviceDirectory, reader: BundleReader, keep: Int = 2, progress: ProgressHandler? = nil) {
        self.device = device
        self.reader = reader
        self.keep = keep
        self.progress = progress
    }

    /// What an install did.
    public struct Result: Sendable, Hashable {
        /// The installed bundle's id.
        public var id: String
        /// Its manifest's name and version.
        public var name: String, version: String
        /// The self-test result: `self-test passed`, `no sample` or `not a built model`.
        public var selfTest: String
    }

    /// Installs the bundle at `bundle` and makes it current.
    public func install(_ bundle: String) throws(DeployError) -> Result {
        let lock = try device.prepare()
        defer { withExtendedLifetime(lock) {} }
        // The id names the staging file; the signature policy is applied by commit, which logs a refusal.
        let staged: String
        do throws(BundleError) {
            staged = device.stagingPath(try BundleReader(limits: reader.limits).readHeader(bundle).id)
            try stage(bundle, to: staged)
        } catch {
            throw DeployError("'\(bundle)': \(DeployError(error).message)", path: bundle)
        }
        return try commit(staged, action: "install", source: bundle)
    }

    /// Checks a staged bundle, moves it into `bundles/` and makes it current; on failure removes
    /// it and logs the refusal. The caller holds the lock.
    func commit(_ staged: String, action: String, source: String) throws(DeployError) -> Result {
        defer { removeFile(staged) }
        let log = InstallLog(path: device.logPath)
        let header: BundleInfo
        let selfTest: String
        do throws(DeployError) {
            header = try bundleCall { () throws(BundleError) in try reader.readHeader(staged) }
            selfTest = try check(staged, header: header)
        } catch {
            let refused = try? BundleReader(limits: reader.limits).readHeader(staged)
            let outcome = error.message.hasPrefix("self-test") ? "self-test failed" : "refused"
            try? log.append(action: action, id: refused?.id ?? "", manifest: refused?.manifest, outcome: outcome, detail: error.message)
            throw DeployError("'\(source)': \(error.message)", path: source)
        }
        let id = header.id
        try bundleCall { () throws(BundleError) in try moveFile(staged, to: device.bundlePath(id)) }
        try device.sync()
        if let current = device.id(of: .current), current != id { try device.point(.previous, at: current) }
        try device.point(.current, at: id)
        try log.append(action: action, id: id, manifest: header.manifest, outcome: "installed", detail: selfTest)
        try device.prune(keep: keep)
        return Result(id: id, name: header.manifest.name, version: header.manifest.version, selfTest: selfTest)
    }

    /// Verifies the staged bundle in full and, for a built model, loads it and runs its sample.
    private func check(_ path: String, header: BundleInfo) throws(DeployError) -> String {
        report("verifying and self-testing", done: 0, total: nil, finished: false)
        defer { report("verifying and self-testing", done: 0, total: nil, finished: true) }
        guard header.manifest.files.contains(where: { $0.path == GraphCoding.graphPath }) else {
            _ = try bundleCall { () throws(BundleError) in try reader.verify(path) }
            return "not a built model"
        }
        do throws(RuntimeError) {
            let model = try BundledModel(path: path, reader: reader, threads: 1)
            switch try BundleSample.check(model) {
            case .passed: return "self-test passed"
            case .noSample: return "no sample"
            }
        } catch {
            throw DeployError(error.message)
        }
    }

    /// Copies `bundle` to `staged` and flushes it to disk; on failure (a full disk) removes it.
    private func stage(_ bundle: String, to staged: String) throws(BundleError) {
        let step = "staging \(splitPath(bundle).base)"
        let total = try InputFile(path: bundle).status().size
        let out = try OutputFile(creating: staged)
        var done: UInt64 = 0
        do throws(BundleError) {
            try copyFile(bundle) { chunk throws(BundleError) in
                try out.write(chunk)
                done += UInt64(chunk.count)
                report(step, done: done, total: total, finished: false)
            }
            try out.syncAndClose()
        } catch {
            removeFile(staged)
            throw error
        }
        report(step, done: done, total: total, finished: true)
    }

    func report(_ step: String, done: UInt64, total: UInt64?, finished: Bool) {
        progress?(DeployProgress(step: step, done: done, total: total, finished: finished))
    }
}

/// Runs a BaleBundle operation, turning its error into a ``DeployError``.
func bundleCall<T>(_ body: () throws(BundleError) -> T) throws(DeployError) -> T {
    do { return try body() } catch { throw DeployError(error) }
}
