public import ArgumentParser
import BaleDeploy

/// `bale status`: what a device directory holds.
public struct Status: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        abstract: "Show a device directory's current and previous bundles.",
        discussion: """
            For DIR/current and DIR/previous: name, version, bundle id, when it was installed, \
            whether it verifies in full now (signature too with --pubkey) and what its \
            self-test found at install. Exits 1 when current is missing or does not verify.

            Example:
              bale status --to /var/lib/bale
            """
    )

    @OptionGroup var device: DeviceOptions

    public func validate() throws {
        if device.isRemote {
            throw ValidationError("bale status reads a device directory; ask a sidecar with POST /v2/repository/index")
        }
    }

    public func run() throws {
        let status = DeviceStatus(device: device.device, reader: try device.reader(allowUnsigned: device.pubkey == nil))
        for slot in status.slots { print(slot.text) }
        guard status.slots.first?.isHealthy == true else {
            throw DeployError("'\(device.device.path)/current' is missing or does not verify")
        }
    }
}
