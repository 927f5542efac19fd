CREATE TABLE `gong_rate_window` (
	`id` integer PRIMARY KEY NOT NULL,
	`scope` text NOT NULL,
	`started_at` integer NOT NULL,
	`until_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `gong_rate_window_scope_until` ON `gong_rate_window` (`scope`,`until_ms`);--> statement-breakpoint
CREATE TABLE `jobs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`payload` text NOT NULL,
	`status` text DEFAULT 'queued' NOT NULL,
	`run_at` integer NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`max_attempts` integer NOT NULL,
	`lease_owner` text,
	`lease_token` text,
	`lease_expires_at` integer,
	`idempotency_key` text,
	`last_error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `jobs_idempotency_key` ON `jobs` (`idempotency_key`);--> statement-breakpoint
CREATE INDEX `jobs_due` ON `jobs` (`status`,`run_at`);--> statement-breakpoint
CREATE INDEX `jobs_lease` ON `jobs` (`status`,`lease_expires_at`);--> statement-breakpoint
ALTER TABLE `audit_posts` ADD `csv_delivered` text;--> statement-breakpoint
ALTER TABLE `audit_posts` ADD `final_rendered` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `audit_runs` ADD `pause_kind` text;--> statement-breakpoint
ALTER TABLE `audit_runs` ADD `transient_pauses` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `audit_runs` ADD `activity_rule` text DEFAULT 'hosted' NOT NULL;--> statement-breakpoint
ALTER TABLE `audit_runs` ADD `time_zone` text;--> statement-breakpoint
ALTER TABLE `audit_runs` ADD `from_date` text;--> statement-breakpoint
ALTER TABLE `audit_runs` ADD `to_date` text;--> statement-breakpoint
ALTER TABLE `audit_runs` ADD `activity_done` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `audit_runs` ADD `activity_strategy` text;--> statement-breakpoint
ALTER TABLE `audit_runs` ADD `activity_requests` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `audit_subjects` ADD `activity_checked` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `audit_subjects` ADD `activity_seen` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `audit_subjects` ADD `activity` text;