public import ArgumentParser
import BaleDeploy

/// `bale rollback`: make the previous version current again.
public struct Rollback: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        abstract: "Return a device directory (or a sidecar's model) to its previous version.",
        discussion: """
            Verifies DIR/previous in full, then swaps DIR/current and DIR/previous atomically \
            and records it in DIR/install.log. Fails, changing nothing, when there is no \
            previous version or it does not verify.

            With --to http://HOST:PORT, the sidecar does the same in MODEL-DIR/NAME/ and serves \
            the version it returned to.

            Examples:
              bale rollback --to /var/lib/bale
              bale rollback --to http://10.0.0.7:8080 --token-file admin.token --model mlp
            """
    )

    @Option(help: ArgumentHelp("With --to http://…: the model to roll back.", valueName: "name"))
    var model: String?

    @OptionGroup var device: DeviceOptions

    public func validate() throws {
        if device.isRemote { try device.validateRemote() }
        if device.isRemote, model == nil { throw ValidationError("--to \(device.target) needs --model NAME (the model to roll back)") }
        if !device.isRemote, model != nil { throw ValidationError("--model goes with --to http://HOST:PORT") }
    }

    public func run() throws {
        if device.isRemote {
            let remote = try device.remote()
            let result = try remote.rollback(model: model!)
            print("\(remote.url): serving \(result.name) \(result.version) (\(result.id)) again")
            return
        }
        let id = try device.device.rollback(reader: device.reader(allowUnsigned: device.pubkey == nil))
        print("current is now \(id)")
    }
}
