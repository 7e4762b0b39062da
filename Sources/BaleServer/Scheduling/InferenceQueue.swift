import HTTPTypes
import BaleGraph
public import BalePlugins
import Dispatch
import NIOConcurrencyHelpers

/// The queue in front of one loaded model: bounded, drained by a fixed number of workers on
/// Dispatch threads (inference is CPU-bound work that must not block the server's event loops
/// or Swift's cooperative threads), with dynamic batching when enabled.
///
/// With batching, an idle model waits up to `maxDelay` after the first request for more to
/// arrive, or until `maxBatch` rows are queued, then runs them as one batch
/// (``PluginPipeline/infer(batch:)`` joins them along the first axis and splits the outputs);
/// requests that queue up while a batch runs form the next one at once.
///
/// A request that waits (or runs) past its timeout is answered 504 at its deadline; a full
/// queue answers 503 with `Retry-After`.
public final class InferenceQueue: Sendable {
    /// How the queue runs.
    public struct Settings: Sendable, Hashable {
        /// Batches run at once.
        public var workers: Int
        /// Requests waiting at most; more are refused with 503.
        public var capacity: Int
        /// Rows (first-axis length) per batch at most; 1 turns batching off.
        public var maxBatch: Int
        /// How long an idle model waits for a batch to fill.
        public var maxDelay: Duration

        /// Queue settings.
        public init(workers: Int, capacity: Int, maxBatch: Int, maxDelay: Duration) {
            self.workers = max(1, workers)
            self.capacity = max(1, capacity)
            self.maxBatch = max(1, maxBatch)
            self.maxDelay = maxDelay
        }

        /// Whether requests are joined into batches.
        public var batching: Bool { maxBatch > 1 }
    }

    /// What became of a request that reached a worker.
    public struct Outcome: Sendable {
        /// The response, or the plugin or model failure.
        public var response: Result<Payload, PluginError>
        /// Time spent waiting in the queue.
        public var queued: Duration
        /// Time the batch it ran in took (preprocess, model, postprocess and monitors).
        public var compute: Duration
        /// Requests in that batch.
        public var batchSize: Int
    }

    /// The settings.
    public let settings: Settings
    private let pipeline: PluginPipeline
    private let state = NIOLockedValueBox(State())
    private let label: String
    private let batchRan: @Sendable (Int) -> Void

    private struct State {
        var pending: [Job] = []
        var pendingRows = 0
        var running = 0
        var timerArmed = false
    }

    /// A queue running `pipeline`; `label` names the model in errors, `batchRan` hears the
    /// size of every batch run.
    public init(pipeline: PluginPipeline, settings: Settings, label: String, batchRan: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.pipeline = pipeline
        self.settings = settings
        self.label = label
        self.batchRan = batchRan
    }

    /// Requests waiting now.
    public var depth: Int { state.withLockedValue { $0.pending.count } }

    /// Queues `request` (of `rows` rows) and waits for its outcome, at most `timeout`.
    /// - Returns: the outcome, or a ``ServeError``: 503 when the queue is full, 504 on timeout.
    public func submit(_ request: PluginPipeline.Request, rows: Int, timeout: Duration) async -> Result<Outcome, ServeError> {
        let job = Job(request: request, rows: max(1, rows))
        enum Start { case none, worker, timer, full }
        let start: Start = state.withLockedValue { state in
            guard state.pending.count < settings.capacity else { return .full }
            state.pending.append(job)
            state.pendingRows += job.rows
            guard state.running < settings.workers else { return .none }
            if !settings.batching || state.pendingRows >= settings.maxBatch {
                state.running += 1
                return .worker
            }
            if state.timerArmed { return .none }
            state.timerArmed = true
            return .timer
        }
        switch start {
        case .full:
            return .failure(ServeError(
                .serviceUnavailable, "model '\(label)': the queue is full (\(settings.capacity) requests waiting); retry later", retryAfterSeconds: 1))
        case .worker:
            launchWorker()
        case .timer:
            DispatchQueue.global().asyncAfter(deadline: .now() + settings.maxDelay.dispatchInterval) { self.batchDelayEnded() }
        case .none:
            break
        }
        // The outcome or the timeout, whichever comes first; the loser is cancelled, so no
        // timer outlives the request.
        let label = label
        return await withTaskGroup(of: Result<Outcome, ServeError>?.self) { group in
            group.addTask { await job.outcome() }
            group.addTask {
                guard (try? await Task.sleep(for: timeout)) != nil else { return nil }
                job.finish(.failure(ServeError(.gatewayTimeout, "model '\(label)': no response within the request timeout of \(timeout.formattedSeconds)")))
                return nil
            }
            while let next = await group.next() {
                if let result = next {
                    group.cancelAll()
                    return result
                }
            }
            preconditionFailure("a job's outcome always arrives")
        }
    }

    private func batchDelayEnded() {
        let start = state.withLockedValue { state in
            state.timerArmed = false
            guard state.running < settings.workers, !state.pending.isEmpty else { return false }
            state.running += 1
            return true
        }
        if start { launchWorker() }
    }

    private func launchWorker() {
        DispatchQueue.global(qos: .userInitiated).async { self.work() }
    }

    /// Runs batches until the queue is empty.
    private func work() {
        while let jobs = nextBatch() {
            let started = ContinuousClock.now
            let results = pipeline.infer(batch: jobs.map(\.request))
            let compute = ContinuousClock.now - started
            batchRan(jobs.count)
            for (job, result) in zip(jobs, results) {
                job.finish(.success(Outcome(response: result, queued: started - job.enqueued, compute: compute, batchSize: jobs.count)))
            }
        }
    }

    /// Takes the next batch (up to `maxBatch` rows, at least one request), skipping requests
    /// already answered by their timeout; `nil` (and one worker fewer) when none is left.
    private func nextBatch() -> [Job]? {
        state.withLockedValue { state in
            var taken: [Job] = []
            var rows = 0
            var index = 0
            while index < state.pending.count {
                let job = state.pending[index]
                if job.isFinished {
                    index += 1
                    state.pendingRows -= job.rows
                    continue
                }
                guard taken.isEmpty || rows + job.rows <= settings.maxBatch else { break }
                taken.append(job)
                rows += job.rows
                state.pendingRows -= job.rows
                index += 1
            }
            state.pending.removeFirst(index)
            if taken.isEmpty { state.running -= 1 }
            return taken.isEmpty ? nil : taken
        }
    }
}

/// One queued request, answered exactly once (by its worker or by its timeout), whether or
/// not its waiter is already waiting.
private final class Job: Sendable {
    let request: PluginPipeline.Request
    let rows: Int
    let enqueued = ContinuousClock.now
    private let state = NIOLockedValueBox<State>(.pending(nil))

    private enum State {
        case pending(CheckedContinuation<Result<InferenceQueue.Outcome, ServeError>, Never>?)
        case finished(Result<InferenceQueue.Outcome, ServeError>)
    }

    init(request: PluginPipeline.Request, rows: Int) {
        self.request = request
        self.rows = rows
    }

    var isFinished: Bool {
        state.withLockedValue { if case .finished = $0 { true } else { false } }
    }

    /// Waits for the answer.
    func outcome() async -> Result<InferenceQueue.Outcome, ServeError> {
        await withCheckedContinuation { continuation in
            let finished: Result<InferenceQueue.Outcome, ServeError>? = state.withLockedValue { state in
                if case .finished(let result) = state { return result }
                state = .pending(continuation)
                return nil
            }
            if let finished { continuation.resume(returning: finished) }
        }
    }

    /// Answers the request unless it was answered already.
    func finish(_ result: Result<InferenceQueue.Outcome, ServeError>) {
        let waiter: CheckedContinuation<Result<InferenceQueue.Outcome, ServeError>, Never>?? = state.withLockedValue { state in
            guard case .pending(let continuation) = state else { return nil }
            state = .finished(result)
            return .some(continuation)
        }
        if case .some(.some(let continuation)) = waiter { continuation.resume(returning: result) }
    }
}

extension Duration {
    /// The duration for Dispatch's timers (microsecond resolution).
    var dispatchInterval: DispatchTimeInterval { .microseconds(Int((inSeconds * 1e6).rounded())) }

    /// Seconds for messages, e.g. `2.5 s`.
    var formattedSeconds: String {
        inSeconds == inSeconds.rounded() ? "\(Int(inSeconds)) s" : "\(inSeconds) s"
    }
}
