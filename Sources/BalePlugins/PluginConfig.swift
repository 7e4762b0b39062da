public import BaleBundle

/// A plugin's configuration: the `key=value` pairs given to `bale build --plugin`, as recorded
/// in the manifest. Typed accessors throw a ``PluginError`` naming the plugin and the key.
///
/// Example:
/// ```swift
/// let k = try config.int("k", default: 5, in: 1...1000)
/// let mean = try config.numbers("mean") ?? [0]
/// ```
public struct PluginConfig: Sendable, Hashable {
    /// The plugin the config belongs to, for error messages.
    public let plugin: String
    /// The values by key, as text.
    public let values: [String: String]

    /// A config for `plugin` holding `values`.
    public init(plugin: String, values: [String: String] = [:]) {
        self.plugin = plugin
        self.values = values
    }

    /// A config from a manifest's `config` object: strings as they are, numbers and booleans as
    /// their JSON text; any other value is refused naming the key.
    public init(plugin: String, manifest config: [String: JSONValue]) throws(PluginError) {
        var values: [String: String] = [:]
        for (key, value) in config {
            switch value {
            case .string(let text): values[key] = text
            case .number, .bool: values[key] = String(decoding: value.canonicalBytes, as: UTF8.self)
            default: throw PluginError(plugin: plugin, key: key, "must be a string, number or boolean in the manifest")
            }
        }
        self.init(plugin: plugin, values: values)
    }

    /// The manifest form of this config: every value as a JSON string.
    public var manifestValue: [String: JSONValue] { values.mapValues { .string($0) } }

    /// The text of `key`, or `nil` when it is not set.
    public func string(_ key: String) -> String? { values[key] }

    /// `key` as a whole number in `range`, or `defaultValue` when it is not set.
    public func int(_ key: String, default defaultValue: Int? = nil, in range: ClosedRange<Int>) throws(PluginError) -> Int? {
        guard let text = values[key] else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            throw PluginError(plugin: plugin, key: key, "\"\(text)\" must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// `key` as a list of finite numbers separated by `/` (`0.485/0.456/0.406`; one number is a
    /// list of one), or `nil` when it is not set.
    public func numbers(_ key: String) throws(PluginError) -> [Double]? {
        guard let text = values[key] else { return nil }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        let numbers = parts.compactMap { Double($0).flatMap { $0.isFinite ? $0 : nil } }
        guard !parts.isEmpty, numbers.count == parts.count else {
            throw PluginError(plugin: plugin, key: key, "\"\(text)\" must be a number or numbers separated by '/', e.g. 0.485/0.456/0.406")
        }
        return numbers
    }

    /// `key` as one finite number in `range`, or `defaultValue` when it is not set.
    public func number(_ key: String, default defaultValue: Double, in range: ClosedRange<Double>) throws(PluginError) -> Double {
        guard let text = values[key] else { return defaultValue }
        guard let value = Double(text), range.contains(value) else {
            throw PluginError(plugin: plugin, key: key, "\"\(text)\" must be a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// `key` as one of `choices`, or `nil` when it is not set.
    public func choice(_ key: String, from choices: [String]) throws(PluginError) -> String? {
        guard let text = values[key] else { return nil }
        guard choices.contains(text) else {
            throw PluginError(plugin: plugin, key: key, "\"\(text)\" must be one of \(choices.joined(separator: ", "))")
        }
        return text
    }
}
