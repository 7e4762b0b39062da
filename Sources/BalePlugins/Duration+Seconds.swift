package extension Duration {
    /// The duration in seconds, e.g. `0.0025` for 2.5 ms.
    var inSeconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
