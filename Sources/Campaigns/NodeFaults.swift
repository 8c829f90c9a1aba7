import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Problems of the node, not of an image: a missing image root (storage not mounted) or a root or folder this
/// node's user may not enter (a UID mismatch on NFS). Such a job fails and is retried with backoff, possibly
/// on another node; recording every image set of the folder as broken would mark the campaign "complete" with
/// nothing analysed, and nothing could recover it.
enum NodeFaults {
    /// The image root must be a directory this process may list and enter.
    static func checkRoot(_ root: String) throws(CampaignError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .imageRootUnavailable(path: root, reason: "no such directory")
        }
        if access(root, R_OK | X_OK) != 0, errno == EACCES || errno == EPERM {
            throw .imageRootUnavailable(path: root, reason: "permission denied for uid \(getuid())")
        }
    }

    /// The folders holding `files` (paths relative to `root`) must be enterable. A folder that is missing is
    /// left to the reader (that image set's own error); one that exists but refuses this node's user is the
    /// node's fault.
    static func checkFolders(of files: [String], root: String) throws(CampaignError) {
        for file in files {
            let folder = ((root as NSString).appendingPathComponent(file) as NSString).deletingLastPathComponent
            if access(folder, X_OK) != 0, errno == EACCES || errno == EPERM {
                throw .imageFolderUnreadable(path: folder, reason: "permission denied for uid \(getuid())")
            }
        }
    }
}
