import BaleGraph

extension PluginContext {
    /// The model output holding class scores: the one config key `key` names, else the model's
    /// first f32 output.
    /// - Throws: a ``PluginError`` naming the plugin and `key` when the output does not exist.
    public func scoreOutput(key: String) throws(PluginError) -> String {
        if let name = config.string(key) {
            guard outputs.contains(where: { $0.name == name }) else {
                throw PluginError(plugin: self.name, key: key, "\"\(name)\" is not a model output (outputs: \(outputs.map(\.name).joined(separator: ", ")))")
            }
            return name
        }
        guard let first = outputs.first(where: { $0.type.dtype == .f32 }) else {
            throw PluginError(plugin: self.name, key: key, "must be given: the model has no f32 output to take scores from")
        }
        return first.name
    }

    /// The class labels in the asset config key `key` names (one a line, line N for class N),
    /// or `nil` when `key` is not set.
    /// - Throws: a ``PluginError`` naming the plugin and `key` when the asset is missing.
    public func labels(key: String) throws(PluginError) -> [String]? {
        try config.string(key).map { path throws(PluginError) in
            let text = String(decoding: try asset(path, key: key), as: UTF8.self)
            // `\r\n` is one Character, and a newline, so both line ends split.
            var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
            if lines.last == "" { lines.removeLast() }
            return lines
        }
    }
}
