CREATE TABLE `audit_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`status` text NOT NULL,
	`trigger` text DEFAULT 'cli' NOT NULL,
	`started_at` text NOT NULL,
	`finished_at` text,
	`from_at` text NOT NULL,
	`to_at` text NOT NULL,
	`lookback_days` integer NOT NULL,
	`snapshot_gen` integer NOT NULL,
	`strategy_requested` text NOT NULL,
	`strategy_used` text,
	`options` text DEFAULT '{}' NOT NULL,
	`prepared` integer DEFAULT false NOT NULL,
	`candidates` integer DEFAULT 0 NOT NULL,
	`inactive` integer DEFAULT 0 NOT NULL,
	`exempt` integer DEFAULT 0 NOT NULL,
	`requests_used` integer DEFAULT 0 NOT NULL,
	`active_ms` integer DEFAULT 0 NOT NULL,
	`error` text,
	`resume_at` text
);
--> statement-breakpoint
CREATE TABLE `audit_subjects` (
	`run_id` integer NOT NULL,
	`user_id` text NOT NULL,
	`kind` text NOT NULL,
	`reason` text,
	`email` text,
	`first_name` text,
	`last_name` text,
	`title` text,
	`manager_id` text,
	`created` text,
	`hosted_call` integer DEFAULT false NOT NULL,
	`last_call_at` text,
	`cleared_mask` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`run_id`, `user_id`),
	FOREIGN KEY (`run_id`) REFERENCES `audit_runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `audit_subjects_kind` ON `audit_subjects` (`run_id`,`kind`);--> statement-breakpoint
CREATE TABLE `audit_windows` (
	`run_id` integer NOT NULL,
	`idx` integer NOT NULL,
	`from_at` text NOT NULL,
	`to_at` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`strategy` text,
	`total_records` integer,
	`slices` integer,
	`slices_done` integer DEFAULT 0 NOT NULL,
	`requests_used` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`run_id`, `idx`),
	FOREIGN KEY (`run_id`) REFERENCES `audit_runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `exemptions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`value` text NOT NULL,
	`reason` text,
	`created_at` text NOT NULL,
	`created_by` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `exemptions_kind_value` ON `exemptions` (`kind`,`value`);