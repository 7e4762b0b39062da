#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import BaleBundle
import BaleDeploy
import BalePlugins
import Synchronization

/// Shows ``DeployProgress`` on standard error: on a terminal one line redrawn in place with
/// bytes and rate (at most 10 times a second), otherwise one plain line per step.
final class ProgressPrinter: Sendable {
    private struct State {
        var step = ""
        var started = ContinuousClock.now
        var drawn = ContinuousClock.now - .seconds(1)
    }

    private let terminal = isatty(2) != 0
    private let state = Mutex(State())

    /// The handler to pass to the deploy code.
    var handler: ProgressHandler { { [self] in show($0) } }

    private func show(_ progress: DeployProgress) {
        state.withLock { state in
            let now = ContinuousClock.now
            let newStep = progress.step != state.step
            if newStep {
                if terminal && !state.step.isEmpty { printError("") }
                (state.step, state.started) = (progress.step, now)
                if !terminal { printError(progress.step) }
            }
            guard terminal, newStep || progress.finished || now - state.drawn >= .milliseconds(100) else { return }
            state.drawn = now
            fputs("\r\u{1B}[K" + line(progress, seconds: (now - state.started).inSeconds), stderr)
            if progress.finished {
                fputs("\n", stderr)
                state.step = ""
            }
        }
    }

    /// `staging mlp.bale  12.0 MiB / 40.0 MiB  30 %  25.1 MiB/s`.
    private func line(_ progress: DeployProgress, seconds: Double) -> String {
        guard progress.done > 0 || progress.total != nil else { return progress.step }
        var text = "\(progress.step)  \(formatBytes(progress.done))"
        if let total = progress.total, total > 0 {
            text += " / \(formatBytes(total))  \(progress.done * 100 / total) %"
        }
        if seconds > 0.05 { text += "  \(formatBytes(UInt64(Double(progress.done) / seconds)))/s" }
        return text
    }
}
