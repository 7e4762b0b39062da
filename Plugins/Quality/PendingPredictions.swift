/// Predictions awaiting their ground truth, by request id, holding at most `capacity`: when
/// full, the oldest is dropped (its feedback, should it come, is then ignored).
struct PendingPredictions {
    let capacity: Int
    private var classes: [String: Int] = [:]
    private var order: [String] = []
    private var head = 0

    init(capacity: Int) { self.capacity = capacity }

    /// How many predictions are held.
    var count: Int { classes.count }

    /// Holds `predicted` for `requestID`, replacing an earlier prediction of the same id.
    mutating func insert(_ predicted: Int, for requestID: String) {
        if classes.updateValue(predicted, forKey: requestID) != nil { return }
        order.append(requestID)
        while classes.count > capacity {
            classes[order[head]] = nil
            head += 1
        }
        // Drop evicted and answered ids once they pile up, keeping memory to O(capacity).
        if order.count > 2 * capacity {
            order = order[head...].filter { classes[$0] != nil }
            head = 0
        }
    }

    /// Takes out the prediction for `requestID`, if held.
    mutating func remove(_ requestID: String) -> Int? {
        classes.removeValue(forKey: requestID)
    }
}
