import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "./db.js";
import type { DbOrTx } from "./jobs.repo.js";
import { type WorkflowStepInputs, type WorkflowStepResult, workflowSteps } from "./schema.js";

/**
 * Workflow Builder steps' SQL (the rules live in approvals/steps.ts). Every write is conditional, so a
 * step Slack sent twice, a filing job run again, or two moves of its subject settle it once.
 */
export type WorkflowStepRow = typeof workflowSteps.$inferSelect;

export class WorkflowStepsRepo {
  constructor(readonly db: Db) {}

  /** Records a step Slack started; false when it was recorded before (Slack sent the event again). */
  receive(
    tx: DbOrTx,
    step: {
      executionId: string;
      callbackId: string;
      workflowExecutionId: string | null;
      inputs: WorkflowStepInputs;
      at: string;
    },
  ): boolean {
    return (
      tx
        .insert(workflowSteps)
        .values({
          executionId: step.executionId,
          callbackId: step.callbackId,
          workflowExecutionId: step.workflowExecutionId,
          inputs: step.inputs,
          receivedAt: step.at,
        })
        .onConflictDoNothing()
        .run().changes === 1
    );
  }

  get(executionId: string): WorkflowStepRow | undefined {
    return this.db.select().from(workflowSteps).where(eq(workflowSteps.executionId, executionId)).get();
  }

  /** The step that filed this subject, if one did (in the caller's transaction). */
  bySubject(tx: DbOrTx, subjectId: number): WorkflowStepRow | undefined {
    return tx.select().from(workflowSteps).where(eq(workflowSteps.subjectId, subjectId)).get();
  }

  /** The request and subject the step filed, in the filing's transaction; false when it had filed one. */
  link(tx: DbOrTx, executionId: string, requestId: number, subjectId: number): boolean {
    return (
      tx
        .update(workflowSteps)
        .set({ requestId, subjectId })
        .where(and(eq(workflowSteps.executionId, executionId), isNull(workflowSteps.requestId)))
        .run().changes === 1
    );
  }

  /** The step's result, once: false when it had one already. */
  settle(tx: DbOrTx, executionId: string, result: WorkflowStepResult, at: string): boolean {
    return (
      tx
        .update(workflowSteps)
        .set({ result, settledAt: at })
        .where(and(eq(workflowSteps.executionId, executionId), isNull(workflowSteps.result)))
        .run().changes === 1
    );
  }

  /** Slack took the result (or said it had it already). */
  completed(executionId: string, how: "completed" | "already", at: string): void {
    this.db
      .update(workflowSteps)
      .set({ completedAt: at, completion: how })
      .where(and(eq(workflowSteps.executionId, executionId), isNull(workflowSteps.completedAt)))
      .run();
  }
}
