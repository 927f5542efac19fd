import { NotFoundError, UsageError } from "../errors.js";
import type { SubjectRow } from "../store/approvals.repo.js";
import type { ApprovalsCore } from "./core.js";
import { isOpen } from "./states.js";

/**
 * Request and subject numbers told apart wherever they are shown or typed: a request is "request #10";
 * the users in it are its subjects, numbered within it, so request #10's third is "subject 10.3". A
 * subject's row id stays inside (Slack's buttons carry it); nobody reads or types it. A number alone is
 * never taken for a subject: it would read as a request.
 */
export function subjectRef(s: SubjectRow, siblings: readonly SubjectRow[]): string {
  const at = siblings.findIndex((x) => x.id === s.id);
  return `${s.requestId}.${at + 1}`;
}

/** Every subject of one request (a view's `subjects`, in id order) with its ref. */
export function withRefs<S extends SubjectRow>(subjects: readonly S[]): (S & { ref: string })[] {
  return subjects.map((s) => ({ ...s, ref: subjectRef(s, subjects) }));
}

/** A ref for any subject, reading its request's subjects once per request (a trail of many rows). */
export function refMaker(core: ApprovalsCore): (subjectId: number) => string {
  const siblings = new Map<number, SubjectRow[]>();
  return (subjectId) => {
    const s = core.repo.subject(subjectId);
    if (!s) return `? (row ${subjectId})`;
    const all = siblings.get(s.requestId) ?? core.repo.subjects(s.requestId);
    siblings.set(s.requestId, all);
    return subjectRef(s, all);
  };
}

const REF = /^#?(\d+)\.(\d+)$/;

/**
 * The subject `text` names: a ref ("10.3"), or the person by email, name or Gong id (their newest open
 * subject, else their newest). Not found is a NotFoundError; a number alone is a UsageError saying how.
 */
export async function findSubject(core: ApprovalsCore, text: string): Promise<SubjectRow> {
  const q = text.trim();
  const ref = REF.exec(q);
  if (ref) {
    const requestId = Number(ref[1]);
    const all = core.repo.subjects(requestId);
    if (all.length === 0) throw new NotFoundError(`there is no request #${requestId}`);
    const s = all[Number(ref[2]) - 1];
    if (!s)
      throw new NotFoundError(
        `request #${requestId} has no subject ${q.replace(/^#/, "")}: its subjects are ${requestId}.1 to ${requestId}.${all.length}`,
      );
    return s;
  }
  if (/^#?\d{1,9}$/.test(q)) {
    const requestId = Number(q.replace(/^#/, ""));
    const all = core.repo.subjects(requestId);
    const which = all.length
      ? ` (request #${requestId} has ${all
          .slice(0, 5)
          .map((s, i) => `${requestId}.${i + 1} ${s.name}`)
          .join(", ")}${all.length > 5 ? ", …" : ""})`
      : "";
    throw new UsageError(
      `"${q}" is a number alone: name a subject as <request>.<n>, like ${requestId}.1${which}, or by email or name`,
    );
  }
  // A Gong id (long digits), an email or a name: the person, as in lookups, from the local directory.
  const { id, lookup } = await core.deps.lookup.resolveOne(q, { refresh: "none" });
  const theirs = core.repo.subjectsOfUser(id);
  const s = theirs.find((x) => isOpen(x.state)) ?? theirs[0];
  if (!s)
    throw new NotFoundError(
      `${lookup.match === "one" ? lookup.user.name : q} is in no deactivation request (gongops requests lists them)`,
    );
  return s;
}
