import Foundation

/// How the scanner learns what each file shows.
public enum ImageSource: Sendable {
    /// Detect the file-naming scheme from the files (see `SchemeDetection`).
    case auto
    /// Use this naming scheme for every TIFF under the root.
    case scheme(any ImageNamingScheme)
    /// Read a CSV manifest (see `ImageManifest`); its paths are relative to the root.
    case manifest(URL)

    public static var imageXpress: ImageSource { .scheme(ImageXpressNaming()) }
    public static var opera: ImageSource { .scheme(OperaNaming()) }
}

/// What a scan found.
public struct ImageScan: Sendable {
    /// Files sorted by plate, well, site, time point, channel, path.
    public var files: [ImageFile]
    /// The scheme used (`ImageXpress`, `Opera`, `manifest`).
    public var schemeName: String
    /// TIFFs under the root that the scheme did not understand (thumbnails, stray exports), sorted.
    public var unmatched: [String]
}

/// Walks an image root and turns its TIFFs into `ImageFile`s with root-relative paths.
///
/// The walk is deterministic (sorted), follows symlinks only when they stay inside the root (a symlink that
/// resolves outside is an error, not a silent skip), and never descends into the same directory twice.
/// Hidden entries (names starting with `.`, such as macOS `._` resource forks) are skipped.
public enum ImageDirectoryScanner {
    public static func scan(root: URL, scheme source: ImageSource = .auto) throws(ScreeningError) -> ImageScan {
        let rootPath = root.standardizedFileURL.path
        let resolvedRoot = RootContainment.resolved(rootPath)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: resolvedRoot, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .unreadable(path: rootPath, reason: "not a directory")
        }
        let rootName = URL(fileURLWithPath: resolvedRoot).lastPathComponent

        var fixedScheme: (any ImageNamingScheme)?
        switch source {
        case let .manifest(url): return try scanManifest(url, rootPath: rootPath, resolvedRoot: resolvedRoot)
        case let .scheme(given): fixedScheme = given
        case .auto: fixedScheme = nil
        }

        var tiffs: [String] = []
        var visited: Set<String> = [resolvedRoot]
        try walk(directory: resolvedRoot, relative: "", resolvedRoot: resolvedRoot, visited: &visited, into: &tiffs)
        tiffs.sort()
        guard !tiffs.isEmpty else { throw .noImages(root: rootPath) }

        let scheme: any ImageNamingScheme
        if let fixedScheme {
            scheme = fixedScheme
        } else {
            scheme = try SchemeDetection.detect(relativePaths: tiffs)
        }
        var files: [ImageFile] = []
        var unmatched: [String] = []
        for path in tiffs {
            guard let parsed = scheme.parse(relativePath: path) else {
                unmatched.append(path)
                continue
            }
            let plate = parsed.plate ?? PlateDirectory.barcode(forRelativePath: path, rootName: rootName)
            files.append(ImageFile(plate: plate, well: parsed.well, site: parsed.site, timePoint: parsed.timePoint,
                                   channel: parsed.channel, relativePath: path))
        }
        return ImageScan(files: sorted(files), schemeName: scheme.name, unmatched: unmatched)
    }

    private static func scanManifest(_ url: URL, rootPath: String, resolvedRoot: String) throws(ScreeningError) -> ImageScan {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw .unreadable(path: url.path, reason: "\(error)")
        }
        let files = try ImageManifest.parse(text, file: url.lastPathComponent)
        for file in files {
            let absolute = resolvedRoot + "/" + file.relativePath
            guard FileManager.default.fileExists(atPath: absolute) else {
                throw .unreadable(path: file.relativePath, reason: "listed in \(url.lastPathComponent) but missing under \(rootPath)")
            }
            let resolved = RootContainment.resolved(absolute)
            guard RootContainment.isInside(resolved, resolvedRoot: resolvedRoot) else {
                throw .pathEscapesRoot(path: file.relativePath, reason: "it resolves to \(resolved)")
            }
        }
        return ImageScan(files: sorted(files), schemeName: "manifest", unmatched: [])
    }

    private static func walk(
        directory: String, relative: String, resolvedRoot: String, visited: inout Set<String>, into tiffs: inout [String]
    ) throws(ScreeningError) {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        } catch {
            throw .unreadable(path: relative.isEmpty ? "." : relative, reason: "\(error)")
        }
        for name in names where !name.hasPrefix(".") {
            let path = directory + "/" + name
            let relativePath = relative.isEmpty ? name : relative + "/" + name
            var target = path
            let type = (try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType) ?? nil
            if type == .typeSymbolicLink {
                target = RootContainment.resolved(path)
                guard RootContainment.isInside(target, resolvedRoot: resolvedRoot) else {
                    throw .pathEscapesRoot(path: relativePath, reason: "it is a symlink to \(target)")
                }
            }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: target, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                guard visited.insert(target).inserted else { continue }
                try walk(directory: target, relative: relativePath, resolvedRoot: resolvedRoot, visited: &visited, into: &tiffs)
            } else if PathParts.isTIFF(relativePath) {
                tiffs.append(relativePath)
            }
        }
    }

    static func sorted(_ files: [ImageFile]) -> [ImageFile] {
        files.sorted { ($0.key, $0.channel, $0.relativePath) < ($1.key, $1.channel, $1.relativePath) }
    }
}
