import Foundation
import SafeFiles

/// Keeps every image path inside the image root. Workers open `root + relativePath`; a path that climbs out
/// (`..`), starts at `/`, or runs through a symlink to elsewhere would let a campaign read any file on a node.
enum RootContainment {
    /// Why `path` escapes the root on its face, or nil if it does not.
    static func lexicalEscape(_ path: String) -> String? {
        SafeFile.lexicalEscape(path)
    }

    /// `a//b/./c` → `a/b/c`.
    static func normalised(_ path: String) -> String {
        path.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
    }

    /// The canonical absolute path with every symlink resolved.
    static func resolved(_ path: String) -> String {
        SafeFile.resolve(path) ?? URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path
    }

    static func isInside(_ resolvedPath: String, resolvedRoot: String) -> Bool {
        let root = resolvedRoot.hasSuffix("/") ? resolvedRoot : resolvedRoot + "/"
        return resolvedPath == resolvedRoot || resolvedPath.hasPrefix(root)
    }
}
