/// The version every Bale executable and the sidecar (`GET /v2`) report.
public let baleVersion = "0.1.0"
