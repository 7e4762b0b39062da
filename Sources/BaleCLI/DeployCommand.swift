public import ArgumentParser
import BaleBundle
import BaleDeploy

/// `bale deploy`: install a bundle (or a delta patch) into a device directory, or have a
/// sidecar install one.
public struct Deploy: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        abstract: "Install a bundle into a device directory (or a sidecar's), self-test it and make it current.",
        discussion: """
            Stages the bundle under DIR/bundles, fsyncs it, verifies it (a signature by --pubkey \
            is required unless --allow-unsigned), loads it and runs its sample input, comparing \
            with its expected output; only then DIR/current is switched atomically (the old one \
            becomes DIR/previous) and older versions beyond --keep are deleted. Any failure \
            leaves the device as it was and is recorded in DIR/install.log.

            With --delta, PATCH (from bale delta) is applied to the installed bundle it names, \
            and the rebuilt bundle is installed the same way.

            With --to http://HOST:PORT, the bundle is uploaded (streamed) to a bale serve \
            --model-dir sidecar's admin API, which installs it the same way into \
            MODEL-DIR/NAME/ with its own signature policy (--key or --allow-unsigned-deploy) \
            and serves it before answering; NAME is --model, else the bundle's model name. \
            With --url the sidecar downloads the bundle itself. See docs/serving.md.

            Examples:
              bale deploy mlp-1.1.bale --to /var/lib/bale --pubkey release.pub
              bale deploy --delta mlp-1.0-1.1.delta --to /var/lib/bale --pubkey release.pub
              bale deploy mlp-1.1.bale --to http://10.0.0.7:8080 --token-file admin.token
              bale deploy --url http://files/mlp-1.1.bale --model mlp \\
                  --to http://10.0.0.7:8080 --token-file admin.token
            """
    )

    @Argument(help: ArgumentHelp("The bundle (omit with --delta or --url).", valueName: "bundle.bale"))
    var bundle: String?

    @Option(help: ArgumentHelp("A delta patch to apply to the installed bundle it names.", valueName: "patch"))
    var delta: String?

    @Option(help: ArgumentHelp("With --to http://…: a URL the sidecar downloads the bundle from.", valueName: "url"))
    var url: String?

    @Option(help: ArgumentHelp("With --to http://…: the model to install (default: the bundle's model name).", valueName: "name"))
    var model: String?

    @Flag(help: "Accept unsigned bundles (signed ones are still checked when --pubkey is given).")
    var allowUnsigned = false

    @Option(help: ArgumentHelp("Older versions kept besides current (previous counts as one; default 2).", valueName: "n"))
    var keep: Int?

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    @OptionGroup var device: DeviceOptions

    public func validate() throws {
        if device.isRemote {
            try device.validateRemote()
            guard (bundle == nil) != (url == nil) else { throw ValidationError("give a bundle or --url URL, not both") }
            if url != nil, model == nil { throw ValidationError("--url needs --model NAME (the model to install the download as)") }
            for (given, option) in [(delta != nil, "--delta"), (allowUnsigned, "--allow-unsigned"), (keep != nil, "--keep")] where given {
                throw ValidationError("\(option) applies to local installs; the sidecar installs with its own settings (bale serve --help)")
            }
            return
        }
        if url != nil || model != nil { throw ValidationError("--url and --model go with --to http://HOST:PORT") }
        guard (bundle == nil) != (delta == nil) else { throw ValidationError("give a bundle or --delta PATCH, not both") }
        guard keep ?? 2 >= 1 else { throw ValidationError("--keep must be at least 1 (the rollback target)") }
        guard allowUnsigned || device.pubkey != nil else {
            throw ValidationError("deploy requires signed bundles: give --pubkey KEY.pub (or --allow-unsigned)")
        }
    }

    public func run() throws {
        let progress = TransferProgress.standardError(quiet: quiet)
        guard !device.isRemote else { return try deployRemotely(progress: progress) }
        let installer = Installer(device: device.device, reader: try device.reader(allowUnsigned: allowUnsigned), keep: keep ?? 2, progress: progress.deployHandler)
        let result = try delta.map(installer.installDelta) ?? installer.install(bundle!)
        if !quiet { print("installed \(result.name) \(result.version) (\(result.id)): \(result.selfTest)") }
    }

    /// Uploads the bundle (or sends --url) to the sidecar and prints what it did.
    private func deployRemotely(progress: TransferProgress) throws {
        let remote = try device.remote()
        let result: RemoteDevice.Result
        if let url {
            progress.step("asking \(remote.url) to download \(url)")
            result = try remote.deploy(url: url, model: model!)
        } else {
            let header = try BundleReader(limits: device.read.limits).readHeader(bundle!)
            let size = header.compressedSize
            progress.begin("uploading \(splitPath(bundle!).base)", total: size)
            result = try remote.deploy(bundle: bundle!, model: model ?? header.manifest.name) { sent in
                progress.update(sent)
                if sent == size {
                    progress.end()
                    progress.step("\(remote.url) verifies, self-tests and loads it")
                }
            }
        }
        guard !quiet else { return }
        let previous = result.previousID.map { ", previous \($0)" } ?? ""
        print("\(remote.url): serving \(result.name) \(result.version) (\(result.id)\(previous)): \(result.selfTest ?? "")")
    }
}
