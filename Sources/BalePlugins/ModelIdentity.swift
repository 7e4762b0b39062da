/// Which model a plugin serves: the manifest's name and version, for labelling metrics and logs.
public struct ModelIdentity: Sendable, Hashable {
    /// The model's name, e.g. `digits`.
    public var name: String
    /// The model's version, e.g. `1.0`.
    public var version: String

    /// An identity for `name` at `version`.
    public init(name: String, version: String) {
        self.name = name
        self.version = version
    }

    /// The identity used where no manifest is at hand (tests, `bale build`'s checks before the
    /// name is known): `model` at version `0`.
    public static let unnamed = ModelIdentity(name: "model", version: "0")
}
