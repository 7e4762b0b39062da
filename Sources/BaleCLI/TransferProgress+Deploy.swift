import BaleBundle
import BaleDeploy

extension TransferProgress {
    /// The deploy code's reports (install, delta) shown this way; nil when quiet.
    var deployHandler: ProgressHandler? {
        guard style != .quiet else { return nil }
        return { [self] in report($0.step, done: $0.done, total: $0.total, finished: $0.finished) }
    }
}
