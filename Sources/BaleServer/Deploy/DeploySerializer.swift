/// Runs the deploys and rollbacks of one model one at a time, each install together with the
/// reload after it, so that once they finish the version served is the one `current` names.
/// (The device directory's file lock alone orders the installs, not the reloads.) Different
/// models run side by side.
actor DeploySerializer {
    private var last: [String: Task<Void, Never>] = [:]

    /// Runs `body` after every earlier one for `name` has finished.
    func run<T: Sendable>(_ name: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let previous = last[name]
        let task = Task {
            await previous?.value
            return try await body()
        }
        last[name] = Task { _ = await task.result }
        return try await task.value
    }
}
