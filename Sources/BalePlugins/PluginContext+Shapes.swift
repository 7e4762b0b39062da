public import BaleGraph

extension PluginContext {
    /// The shape `input` takes to hold `count` elements: its fixed dimensions as they are, its
    /// first symbolic one (the batch) sized to fit, any other symbolic one 1; `[count]` when the
    /// model does not record the input's shape.
    /// - Throws: a ``PluginError`` naming the plugin when `count` elements cannot fill it.
    public func shape(of input: ValueInfo, holding count: Int) throws(PluginError) -> [Int] {
        guard let dims = input.type.shape else { return [count] }
        let fixed = dims.reduce(1) { $0 * ($1.value ?? 1) }
        guard let batchAxis = dims.firstIndex(where: { $0.value == nil }) else {
            guard fixed == count else {
                throw PluginError(plugin: name, "\(count) values do not fill input '\(input.name)' of shape \(dims) (\(fixed) values)")
            }
            return dims.map { $0.value ?? 1 }
        }
        guard fixed > 0, count > 0, count % fixed == 0 else {
            throw PluginError(plugin: name, "\(count) values do not fill input '\(input.name)' of shape \(dims) (a multiple of \(fixed) values)")
        }
        var shape = dims.map { $0.value ?? 1 }
        shape[batchAxis] = count / fixed
        return shape
    }
}
