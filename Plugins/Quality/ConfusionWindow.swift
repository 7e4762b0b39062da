/// The last `capacity` (predicted, true) class pairs, with their confusion counts kept up to
/// date, and the figures they give.
struct ConfusionWindow {
    /// Precision, recall and F1 of one class (or their mean over the classes).
    struct Scores: Equatable {
        var precision: Double
        var recall: Double
        var f1: Double
    }

    /// One joined prediction.
    struct Pair: Hashable {
        var predicted: Int
        var truth: Int
    }

    let capacity: Int
    private var ring: [Pair] = []
    private var next = 0
    /// How many pairs of the window each pair of classes has.
    private var confusion: [Pair: Int] = [:]

    init(capacity: Int) { self.capacity = capacity }

    /// Pairs held.
    var count: Int { ring.count }

    /// Adds a pair, dropping the oldest once `capacity` are held.
    mutating func add(_ pair: Pair) {
        if ring.count < capacity {
            ring.append(pair)
        } else {
            let old = ring[next]
            confusion[old, default: 0] -= 1
            if confusion[old] == 0 { confusion[old] = nil }
            ring[next] = pair
        }
        confusion[pair, default: 0] += 1
        next = (next + 1) % capacity
    }

    /// The fraction of pairs predicted right.
    var accuracy: Double {
        let right = confusion.reduce(0) { $0 + ($1.key.predicted == $1.key.truth ? $1.value : 0) }
        return ring.isEmpty ? 0 : Double(right) / Double(ring.count)
    }

    /// The classes seen, as prediction or truth, sorted.
    var classes: [Int] { Set(confusion.keys.flatMap { [$0.predicted, $0.truth] }).sorted() }

    /// Precision, recall and F1 of `label` (0 where undefined: no predictions or no truths of it).
    func scores(of label: Int) -> Scores {
        var truePositives = 0.0, predicted = 0.0, actual = 0.0
        for (pair, count) in confusion {
            if pair.predicted == label { predicted += Double(count) }
            if pair.truth == label { actual += Double(count) }
            if pair.predicted == label, pair.truth == label { truePositives += Double(count) }
        }
        let precision = predicted == 0 ? 0 : truePositives / predicted
        let recall = actual == 0 ? 0 : truePositives / actual
        let f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall)
        return Scores(precision: precision, recall: recall, f1: f1)
    }

    /// The unweighted mean of every seen class's scores (macro average).
    var macroScores: Scores {
        let all = classes.map(scores(of:))
        guard !all.isEmpty else { return Scores(precision: 0, recall: 0, f1: 0) }
        let n = Double(all.count)
        return Scores(
            precision: all.map(\.precision).reduce(0, +) / n, recall: all.map(\.recall).reduce(0, +) / n,
            f1: all.map(\.f1).reduce(0, +) / n)
    }
}
