public import ArgumentParser
import BaleBundle
import BaleDeploy

/// `bale deploy`: install a bundle (or a delta patch) into a device directory.
public struct Deploy: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        abstract: "Install a bundle into a device directory, self-test it and make it current.",
        discussion: """
            Stages the bundle under DIR/bundles, fsyncs it, verifies it (a signature by --pubkey \
            is required unless --allow-unsigned), loads it and runs its sample input, comparing \
            with its expected output; only then DIR/current is switched atomically (the old one \
            becomes DIR/previous) and older versions beyond --keep are deleted. Any failure \
            leaves the device as it was and is recorded in DIR/install.log.

            With --delta, PATCH (from bale delta) is applied to the installed bundle it names, \
            and the rebuilt bundle is installed the same way.

            Examples:
              bale deploy mlp-1.1.bale --to /var/lib/bale --pubkey release.pub
              bale deploy --delta mlp-1.0-1.1.delta --to /var/lib/bale --pubkey release.pub
            """
    )

    @Argument(help: ArgumentHelp("The bundle (omit with --delta).", valueName: "bundle.bale"))
    var bundle: String?

    @Option(help: ArgumentHelp("A delta patch to apply to the installed bundle it names.", valueName: "patch"))
    var delta: String?

    @Flag(help: "Accept unsigned bundles (signed ones are still checked when --pubkey is given).")
    var allowUnsigned = false

    @Option(help: ArgumentHelp("Older versions kept besides current (previous counts as one).", valueName: "n"))
    var keep = 2

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    @OptionGroup var device: DeviceOptions

    public func validate() throws {
        guard (bundle == nil) != (delta == nil) else { throw ValidationError("give a bundle or --delta PATCH, not both") }
        guard keep >= 1 else { throw ValidationError("--keep must be at least 1 (the rollback target)") }
        guard allowUnsigned || device.pubkey != nil else {
            throw ValidationError("deploy requires signed bundles: give --pubkey KEY.pub (or --allow-unsigned)")
        }
    }

    public func run() throws {
        let installer = Installer(
            device: device.device, reader: try device.reader(allowUnsigned: allowUnsigned), keep: keep,
            progress: quiet ? nil : ProgressPrinter().handler)
        let result = try delta.map(installer.installDelta) ?? installer.install(bundle!)
        if !quiet { print("installed \(result.name) \(result.version) (\(result.id)): \(result.selfTest)") }
    }
}
