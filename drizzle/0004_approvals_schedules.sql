CREATE TABLE `approval_daily` (
	`day` text PRIMARY KEY NOT NULL,
	`used` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE `approval_messages` (
	`request_id` integer NOT NULL,
	`approver_key` text NOT NULL,
	`part` integer DEFAULT 0 NOT NULL,
	`channel` text NOT NULL,
	`ts` text NOT NULL,
	PRIMARY KEY(`request_id`, `approver_key`, `part`),
	FOREIGN KEY (`request_id`) REFERENCES `approval_requests`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `approval_requests` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`source` text NOT NULL,
	`requested_by_slack` text,
	`requested_by` text NOT NULL,
	`reason` text NOT NULL,
	`dry_run` integer DEFAULT false NOT NULL,
	`audit_run_id` integer,
	`activity_since` text NOT NULL,
	`lookback_days` integer,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `approval_subjects` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`request_id` integer NOT NULL,
	`user_id` text NOT NULL,
	`email` text,
	`name` text NOT NULL,
	`title` text,
	`manager_id` text,
	`last_call_at` text,
	`created` text,
	`state` text NOT NULL,
	`approver_kind` text NOT NULL,
	`approver_slack_id` text,
	`approver_gong_id` text,
	`approver_name` text,
	`approver_reason` text NOT NULL,
	`escalations` integer DEFAULT 0 NOT NULL,
	`decided_by` text,
	`decided_at` text,
	`state_reason` text,
	`waiting_note` text,
	`cap_override` integer DEFAULT false NOT NULL,
	`scim_id` text,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`request_id`) REFERENCES `approval_requests`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `approval_subjects_request` ON `approval_subjects` (`request_id`);--> statement-breakpoint
CREATE INDEX `approval_subjects_state` ON `approval_subjects` (`state`);--> statement-breakpoint
CREATE UNIQUE INDEX `approval_subjects_one_open` ON `approval_subjects` (`user_id`) WHERE state IN ('pending','approved','executing','awaiting_idp');--> statement-breakpoint
CREATE TABLE `approval_trail` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`subject_id` integer NOT NULL,
	`request_id` integer NOT NULL,
	`at` text NOT NULL,
	`actor` text NOT NULL,
	`from_state` text,
	`to_state` text NOT NULL,
	`why` text,
	`override` integer DEFAULT false NOT NULL,
	FOREIGN KEY (`subject_id`) REFERENCES `approval_subjects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `approval_trail_at` ON `approval_trail` (`at`);--> statement-breakpoint
CREATE INDEX `approval_trail_subject` ON `approval_trail` (`subject_id`);--> statement-breakpoint
CREATE TABLE `digests` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`schedule_id` integer,
	`run_key` text NOT NULL,
	`created_at` integer NOT NULL,
	`audit_run_id` integer NOT NULL,
	`snapshot_gen` integer NOT NULL,
	`active_users` integer NOT NULL,
	`snapshot` text NOT NULL,
	`posted_channel` text,
	`posted_ts` text,
	FOREIGN KEY (`schedule_id`) REFERENCES `schedules`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `digests_run_key` ON `digests` (`run_key`);--> statement-breakpoint
CREATE INDEX `digests_schedule` ON `digests` (`schedule_id`);--> statement-breakpoint
CREATE TABLE `schedules` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`cron` text NOT NULL,
	`timezone` text NOT NULL,
	`channel` text,
	`options` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`paused` integer DEFAULT false NOT NULL,
	`last_due_at` integer,
	`last_run_at` integer,
	`last_result` text,
	`failing` text,
	`failing_since` integer
);
