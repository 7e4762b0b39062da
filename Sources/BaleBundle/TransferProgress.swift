#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOConcurrencyHelpers

/// Progress of long commands (deploy, delta, push, pull, remote upload) on standard error: a
/// bar with bytes and rate on a terminal, one plain line per step otherwise, nothing when quiet.
///
/// Example:
/// ```swift
/// let progress = TransferProgress.standardError(quiet: false)
/// progress.begin("uploading mlp.bale", total: size)
/// progress.update(done)
/// progress.end()
/// ```
public final class TransferProgress: Sendable {
    /// How progress is shown.
    public enum Style: Sendable {
        /// A redrawn bar (`\r`), for terminals.
        case bar
        /// One line per step and per finished transfer, for logs and pipes.
        case lines
        /// Nothing.
        case quiet
    }

    private struct Transfer {
        var label: String
        var total: UInt64
        var start: UInt64
        var completed: UInt64
        var began: ContinuousClock.Instant
        var drawn: ContinuousClock.Instant?
    }

    /// The style in use.
    public let style: Style
    private let current = NIOLockedValueBox<Transfer?>(nil)

    /// Progress in `style`.
    public init(style: Style) { self.style = style }

    /// `.quiet` when asked, `.bar` when standard error is a terminal, else `.lines`.
    public static func standardError(quiet: Bool) -> TransferProgress {
        TransferProgress(style: quiet ? .quiet : isatty(2) != 0 ? .bar : .lines)
    }

    /// Reports a step, e.g. `config sha256:… already in the registry`.
    public func step(_ line: String) {
        guard style != .quiet else { return }
        emit(line + "\n")
    }

    /// A transfer of `total` bytes starts, `completed` of them already done (a resumed pull).
    public func begin(_ label: String, total: UInt64, completed: UInt64 = 0) {
        current.withLockedValue { $0 = Transfer(label: label, total: total, start: completed, completed: completed, began: .now) }
        if style == .bar { draw(force: true) }
    }

    /// `completed` bytes of the current transfer are done.
    public func update(_ completed: UInt64) {
        current.withLockedValue { $0?.completed = completed }
        if style == .bar { draw(force: false) }
    }

    /// The current transfer is over: the bar is finished with a newline, or a line says how long
    /// it took.
    public func end() {
        guard let transfer = current.withLockedValue({ $0 }) else { return }
        switch style {
        case .bar:
            draw(force: true)
            emit("\n")
        case .lines:
            emit("\(transfer.label): \(formatBytes(transfer.completed)) \(Self.rate(transfer))\n")
        case .quiet:
            break
        }
        current.withLockedValue { $0 = nil }
    }

    /// A report of `done` of `total` bytes of step `label` (a plain step line when `total` is
    /// unknown), as the deploy code gives them: a new label ends the transfer before it.
    public func report(_ label: String, done: UInt64, total: UInt64?, finished: Bool) {
        let running = current.withLockedValue { $0?.label }
        if let running, running != label { end() }
        guard let total else {
            if !finished { step(label) }
            return
        }
        if running != label { begin(label, total: total) }
        update(done)
        if finished { end() }
    }

    private func draw(force: Bool) {
        let line: String? = current.withLockedValue { transfer in
            guard var t = transfer else { return nil }
            let now = ContinuousClock.now
            if !force, let drawn = t.drawn, now - drawn < .milliseconds(100) { return nil }
            t.drawn = now
            transfer = t
            let width = 30
            let filled = t.total == 0 ? width : Int(Double(width) * Double(min(t.completed, t.total)) / Double(t.total))
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            return "\r\u{1B}[K\(t.label) [\(bar)] \(formatBytes(t.completed)) / \(formatBytes(t.total)) \(Self.rate(t))"
        }
        if let line { emit(line) }
    }

    /// `in 1.2 s (45.6 MiB/s)` for the bytes moved by this run.
    private static func rate(_ t: Transfer) -> String {
        let elapsed = ContinuousClock.now - t.began
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let moved = Double(t.completed - min(t.start, t.completed))
        let perSecond = seconds > 0 ? UInt64(moved / seconds) : 0
        return "in \(String(Double(Int(seconds * 10)) / 10)) s (\(formatBytes(perSecond))/s)"
    }

    private func emit(_ text: String) {
        fputs(text, stderr)
        fflush(stderr)
    }
}
