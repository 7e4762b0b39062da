import Dispatch

/// Splitting a kernel's work over its threads (Dispatch's persistent worker threads; no thread
/// is created per call).
enum Parallel {
    /// Runs `body(part)` for every part in `0..<parts`, concurrently when `parts > 1`, and
    /// returns when all are done. Each part must write only memory no other part touches.
    static func run(parts: Int, _ body: (Int) -> Void) {
        guard parts > 1 else {
            if parts == 1 { body(0) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let shared = PartBody(run: body)
            DispatchQueue.concurrentPerform(iterations: parts) { shared.run($0) }
        }
    }

    /// The contiguous range of `0..<count` that part `part` of `parts` covers, in units of
    /// `quantum` (the last part may be shorter; trailing parts may be empty).
    static func range(of part: Int, parts: Int, count: Int, quantum: Int = 1) -> Range<Int> {
        let units = (count + quantum - 1) / quantum
        let perPart = (units + parts - 1) / parts
        let start = min(count, part * perPart * quantum)
        return start..<min(count, start + perPart * quantum)
    }

    /// Hands the body to Dispatch's `@Sendable` closure. Sound because each part writes only its
    /// own memory, reads shared inputs, and `concurrentPerform` returns after every part finished
    /// (so the body never outlives the caller's buffers).
    private struct PartBody: @unchecked Sendable {
        let run: (Int) -> Void
    }
}
