import Foundation
import Testing
import TestSupport
@testable import Campaigns

@Suite struct CampaignSizingTests {
    static func progress(total: Int, done: Int, lastMinute: Int) -> CampaignProgress {
        CampaignProgress(campaignID: 1, name: "c", state: "active", modelSHA256: "ab", imageSets: total,
                         imageSetsDone: done, imageSetErrors: 0, nuclei: 0, infected: 0, jobsByState: [:],
                         imageSetsLastMinute: lastMinute, etaSeconds: nil, failures: [], discardedJobs: [])
    }

    @Test func workersNeededFollowFromTheMeasuredRatePerWorker() {
        // 120 image sets in the last minute by 4 workers: 0.5 image sets/s each. 7200 remain; in 1 h one
        // worker does 1800, so 4 workers are needed; in 30 min, 8.
        let p = Self.progress(total: 10_000, done: 2_800, lastMinute: 120)
        let hour = CampaignSizing(progress: p, liveWorkers: 4, liveThreads: 16, targetSeconds: 3600)
        #expect(hour.imageSetsPerSecond == 2)
        #expect(hour.imageSetsPerSecondPerWorker == 0.5)
        #expect(hour.workersNeeded == 4)
        #expect(CampaignSizing(progress: p, liveWorkers: 4, liveThreads: 16, targetSeconds: 1800).workersNeeded == 8)
        // Rounds up: one image set more needs one worker more.
        let more = Self.progress(total: 10_001, done: 2_800, lastMinute: 120)
        #expect(CampaignSizing(progress: more, liveWorkers: 4, liveThreads: 16, targetSeconds: 3600).workersNeeded == 5)
    }

    @Test func nothingMeasuredIsUnknownAndNothingLeftNeedsNoWorkers() {
        let idle = CampaignSizing(progress: Self.progress(total: 10, done: 2, lastMinute: 0), liveWorkers: 3,
                                  liveThreads: 3, targetSeconds: 60)
        #expect(idle.workersNeeded == nil && idle.imageSetsPerSecondPerWorker == nil)
        let nobody = CampaignSizing(progress: Self.progress(total: 10, done: 2, lastMinute: 5), liveWorkers: 0,
                                    liveThreads: 0, targetSeconds: 60)
        #expect(nobody.workersNeeded == nil)
        let done = CampaignSizing(progress: Self.progress(total: 10, done: 10, lastMinute: 0), liveWorkers: 0,
                                  liveThreads: 0, targetSeconds: 60)
        #expect(done.workersNeeded == 0)
    }

    @Test func targetTimesReadLikeTheWorkersDurations() {
        #expect(CampaignSizing.seconds(duration: "1h") == 3600)
        #expect(CampaignSizing.seconds(duration: "1.5h") == 5400)
        #expect(CampaignSizing.seconds(duration: "45m") == 2700)
        #expect(CampaignSizing.seconds(duration: "90s") == 90)
        #expect(CampaignSizing.seconds(duration: "2d") == 172_800)
        #expect(CampaignSizing.seconds(duration: "500ms") == 0.5)
        for bad in ["", "h", "0h", "-1h", "1", "1x", "nanh", "1e3s", "inf s", "1hh"] {
            #expect(CampaignSizing.seconds(duration: bad) == nil, "\(bad)")
        }
    }
}

@Suite(.enabled(if: TestDatabase.isConfigured, "VIROSCOPE_TEST_DATABASE_URL is not set; run the suite with ops/test"))
struct CampaignSizingStatusTests {
    @Test func statusFinishInShowsSizingInTextAndJSON() throws {
        let fixture = try CampaignFixture(wells: 4, imageSize: 128)
        defer { fixture.tearDown() }
        #expect(try fixture.submit().status == 0)

        let before = try fixture.coordinator(["status", "--campaign", "c1", "--finish-in", "1h"])
        #expect(before.status == 0, "\(before.stderr)")
        #expect(before.stdout.contains("sizing     unknown until workers have run for a minute"), "\(before.stdout)")

        #expect(try fixture.drain().status == 0)
        let json = try fixture.coordinator(["status", "--campaign", "c1", "--finish-in", "30m", "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let sizing = object?["sizing"] as? [String: Any]
        #expect(object?["imageSetsDone"] as? Int == object?["imageSets"] as? Int)
        #expect(sizing?["workersNeeded"] as? Int == 0, "\(json.stdout)")
        #expect(sizing?["targetSeconds"] as? Double == 1800)
        #expect((sizing?["imageSetsPerSecond"] as? Double ?? 0) > 0, "the drain finished in the last minute")

        let plain = try fixture.coordinator(["status", "--campaign", "c1", "--json"])
        #expect(!plain.stdout.contains("sizing"))

        let bad = try fixture.coordinator(["status", "--campaign", "c1", "--finish-in", "soon"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--finish-in \"soon\" is not a duration"), "\(bad.stderr)")
        let alone = try fixture.coordinator(["status", "--finish-in", "1h"])
        #expect(alone.status == 2)
        #expect(alone.stderr.contains("--finish-in needs --campaign"))
    }
}
