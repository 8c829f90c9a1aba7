import Testing
import Screening

@Suite struct CampaignValidationTests {
    func file(_ well: String, _ channel: String, site: Int = 1, path: String? = nil, plate: String = "P") -> ImageFile {
        ImageFile(plate: plate, well: WellPosition(well) ?? WellPosition(row: 0, column: 1), site: site, channel: channel,
                  relativePath: path ?? "\(plate)_\(well)_s\(site)_\(channel).tif")
    }

    @Test func cleanCampaignIsValid() throws {
        let files = [file("A01", "w1"), file("A01", "w2"), file("A02", "w1"), file("A02", "w2")]
        let map = try PlateMap.parse("well,control\nA01,positive\nA02,negative\n", source: "m.csv", format: .wells96)
        let report = CampaignValidation.validate(files: files, format: .wells96, channels: .imageXpress, plateMaps: .single(map))
        #expect(report.isValid)
        #expect(report.issues.isEmpty)
        #expect(report.imageSets.count == 2)
    }

    @Test func reportsEachProblem() throws {
        let files = [
            file("A01", "w1"), file("A01", "w2"),
            file("A02", "w2"),                                   // no nuclear channel
            file("A03", "w1"),                                   // no reporter
            file("A04", "w1"), file("A04", "w1", path: "copy/P_A04_s1_w1.tif"), file("A04", "w2"),  // duplicate
            file("M01", "w1"),                                   // outside a 96-well plate
        ]
        let map = try PlateMap.parse("well\nA01\nA02\nA03\nA04\nB01\n", source: "m.csv", format: .wells96)
        let report = CampaignValidation.validate(files: files + [file("C07", "w1"), file("C07", "w2")], format: .wells96,
                                                 channels: .imageXpress, plateMaps: .single(map))
        #expect(!report.isValid)
        let errors = report.errors.map(\.message)
        let warnings = report.warnings.map(\.message)
        #expect(errors.contains("1 imaged well(s) are not wells of a 96-well plate: P M01 (if the plate is larger than its plate map suggests, give --plate-format)"))
        #expect(errors.contains("duplicate files: P A04 site 1 t1 channel w1 has 2 files: P_A04_s1_w1.tif, copy/P_A04_s1_w1.tif"))
        #expect(errors.contains("1 image set(s) lack the nuclear channel w1: P A02 site 1 t1 (has w2)"))
        #expect(errors.count == 3)
        #expect(warnings.contains("1 image set(s) lack the reporter channel w2: P A03 site 1 t1"))
        #expect(warnings.contains("plate P: 1 imaged well(s) have no plate-map row: C07"))
        #expect(warnings.contains("plate P: 1 mapped well(s) have no images: B01"))
    }

    @Test func endToEndFromADirectoryAndAPlateMapFile() throws {
        let dir = try TemporaryDirectory()
        for well in ["A01", "A02", "B01"] {
            for channel in ["w1", "w2"] { try dir.write("images/PLATE_7/PLATE_7_\(well)_s1_\(channel).tif") }
        }
        try dir.write("images/PLATE_7/PLATE_7_A01_s1_w1_thumb.tif")
        let mapFile = try dir.write("map.csv", "well,treatment,concentration,unit,virus,control\nA1,,,,HSV-1,positive\nA2,,,,,negative\nB1,drug,0.5,uM,HSV-1,\nC1,drug,5,uM,HSV-1,\n")
        let scan = try ImageDirectoryScanner.scan(root: dir.url.appendingPathComponent("images"))
        let roles = try #require(ChannelRoles.conventional(forScheme: scan.schemeName))
        let maps = try PlateMapSet.load(mapFile, format: .wells96)
        let report = CampaignValidation.validate(scan: scan, format: .wells96, channels: roles, plateMaps: maps)
        #expect(report.isValid)
        #expect(report.imageSets.map(\.plate) == ["PLATE_7", "PLATE_7", "PLATE_7"])
        #expect(report.warnings.map(\.message) == [
            "1 TIFF(s) do not follow the naming scheme and are ignored: PLATE_7/PLATE_7_A01_s1_w1_thumb.tif",
            "plate PLATE_7: 1 mapped well(s) have no images: C01",
        ])
        let joined = maps.join(report.imageSets).joined
        #expect(joined.map(\.condition.treatment) == [nil, nil, "drug"])
        #expect(joined.last?.condition.concentration == 0.5)
    }
}
