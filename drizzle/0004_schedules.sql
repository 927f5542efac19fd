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
