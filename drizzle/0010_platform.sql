CREATE TABLE `worker_heartbeats` (
	`owner` text PRIMARY KEY NOT NULL,
	`started_at` integer NOT NULL,
	`beat_at` integer NOT NULL,
	`stopped_at` integer,
	`kinds` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `workflow_steps` (
	`execution_id` text PRIMARY KEY NOT NULL,
	`callback_id` text NOT NULL,
	`workflow_execution_id` text,
	`inputs` text NOT NULL,
	`received_at` text NOT NULL,
	`request_id` integer,
	`subject_id` integer,
	`result` text,
	`settled_at` text,
	`completed_at` text,
	`completion` text,
	FOREIGN KEY (`request_id`) REFERENCES `approval_requests`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`subject_id`) REFERENCES `approval_subjects`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `workflow_steps_subject` ON `workflow_steps` (`subject_id`);--> statement-breakpoint
DROP INDEX `approval_subjects_one_open`;--> statement-breakpoint
ALTER TABLE `approval_subjects` ADD `holder_slack_id` text;--> statement-breakpoint
ALTER TABLE `approval_subjects` ADD `notice_until` text;--> statement-breakpoint
ALTER TABLE `approval_subjects` ADD `holder_answer` text;--> statement-breakpoint
CREATE UNIQUE INDEX `approval_subjects_one_open` ON `approval_subjects` (`user_id`) WHERE state IN ('notice','pending','approved','executing','awaiting_idp') AND dry_run = 0;