public import ArgumentParser
import BaleDeploy

/// `bale rollback`: make the previous version current again.
public struct Rollback: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        abstract: "Return a device directory to its previous version.",
        discussion: """
            Verifies DIR/previous in full, then swaps DIR/current and DIR/previous atomically \
            and records it in DIR/install.log. Fails, changing nothing, when there is no \
            previous version or it does not verify.

            Example:
              bale rollback --to /var/lib/bale
            """
    )

    @OptionGroup var device: DeviceOptions

    public func run() throws {
        let id = try device.device.rollback(reader: device.reader(allowUnsigned: device.pubkey == nil))
        print("current is now \(id)")
    }
}
