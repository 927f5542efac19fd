import type { Digest } from "../../src/digest/digest.js";
import type { SyncResult } from "../../src/directory/sync.service.js";
import type { RunNote, ScheduleOutput } from "../../src/schedules/runner.js";
import type { ScheduleRow } from "../../src/store/schedules.repo.js";

/** A ScheduleOutput that records what would have been posted. */
export class RecordingOutput implements ScheduleOutput {
  readonly digests: { schedule: ScheduleRow; digest: Digest; note: RunNote }[] = [];
  readonly syncs: { schedule: ScheduleRow; result: SyncResult; note: RunNote }[] = [];
  readonly failing: { schedule: ScheduleRow; reason: string }[] = [];
  private seq = 0;

  async postDigest(schedule: ScheduleRow, digest: Digest, note: RunNote) {
    this.digests.push({ schedule, digest, note });
    return { channel: schedule.channel!, ts: `1.${++this.seq}` };
  }

  async postSync(schedule: ScheduleRow, result: SyncResult, note: RunNote) {
    this.syncs.push({ schedule, result, note });
  }

  async notifyFailing(schedule: ScheduleRow, reason: string) {
    this.failing.push({ schedule, reason });
  }
}
