/// An error from a plugin or from resolving one: one line naming the plugin and, for config
/// errors, the key, e.g. `plugin 'normalize': key 'mean': "a/b" is not a list of numbers`.
public struct PluginError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The one-line message.
    public var message: String

    /// Creates an error with a complete message.
    public init(_ message: String) { self.message = message }

    /// An error about plugin `plugin`: `plugin 'NAME': MESSAGE`.
    public init(plugin: String, _ message: String) { self.message = "plugin '\(plugin)': \(message)" }

    /// An error about key `key` of plugin `plugin`: `plugin 'NAME': key 'KEY': MESSAGE`.
    public init(plugin: String, key: String, _ message: String) {
        self.message = "plugin '\(plugin)': key '\(key)': \(message)"
    }

    public var description: String { message }
}

extension PluginError {
    /// Runs `body`, passing a ``PluginError`` through and turning any other error into
    /// `plugin 'PLUGIN': WHAT: <error>`.
    static func naming<T>(_ plugin: String, _ what: String, _ body: () throws -> T) throws(PluginError) -> T {
        do {
            return try body()
        } catch let error as PluginError {
            throw error
        } catch {
            throw PluginError(plugin: plugin, "\(what): \(error)")
        }
    }
}
