#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A user name and password for a registry (basic auth, or to fetch a bearer token).
public struct Credentials: Sendable, Hashable {
    /// The environment variable read for the user name when none is given.
    public static let usernameVariable = "BALE_REGISTRY_USERNAME"
    /// The environment variable read for the password when no password file is given.
    public static let passwordVariable = "BALE_REGISTRY_PASSWORD"

    /// The user name.
    public var username: String
    /// The password or access token.
    public var password: String

    /// Credentials from the values given.
    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    /// `Basic <base64(user:password)>`, the `Authorization` value for basic auth.
    public var basicAuthorization: String {
        "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
    }

    /// Credentials from `--username`/`--password-file`, falling back to ``usernameVariable`` and
    /// ``passwordVariable``; nil when no user name is given anywhere (anonymous access).
    /// - Parameters:
    ///   - username: `--username`, if given.
    ///   - passwordFile: `--password-file`, if given; its first line is the password.
    ///   - environment: the process environment.
    public static func resolve(
        username: String?, passwordFile: String?, environment: [String: String]
    ) throws(RegistryError) -> Credentials? {
        guard let user = username ?? environment[usernameVariable], !user.isEmpty else {
            if passwordFile != nil { throw RegistryError(.unauthorized, "--password-file needs --username (or \(usernameVariable))") }
            return nil
        }
        if let passwordFile {
            guard let data = FileManager.default.contents(atPath: passwordFile) else {
                throw RegistryError(.io, "cannot read password file '\(passwordFile)'")
            }
            let password = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            return Credentials(username: user, password: password)
        }
        guard let password = environment[passwordVariable] else {
            throw RegistryError(.unauthorized, "user '\(user)' has no password: pass --password-file FILE or set \(passwordVariable)")
        }
        return Credentials(username: user, password: password)
    }
}
