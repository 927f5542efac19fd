CREATE TABLE `trend_charts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`file_id` text NOT NULL,
	`channel` text NOT NULL,
	`thread_ts` text,
	`uploaded_at` integer NOT NULL,
	`alt_text` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `trend_points` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`audit_run_id` integer NOT NULL,
	`at` text NOT NULL,
	`day` text NOT NULL,
	`trigger` text NOT NULL,
	`lookback_days` integer NOT NULL,
	`rule` text NOT NULL,
	`active_users` integer NOT NULL,
	`inactive` integer NOT NULL,
	`leavers` integer,
	`set_aside` integer NOT NULL,
	`seat_price` real,
	`currency` text NOT NULL,
	`yearly_cost` real,
	`reclaimed_seats` integer NOT NULL,
	`reclaimed_cost` real
);
--> statement-breakpoint
CREATE UNIQUE INDEX `trend_points_run` ON `trend_points` (`audit_run_id`);--> statement-breakpoint
CREATE INDEX `trend_points_day` ON `trend_points` (`day`);--> statement-breakpoint
ALTER TABLE `approval_messages` ADD `digest` text;--> statement-breakpoint
ALTER TABLE `approval_subjects` ADD `change_sent_at` text;