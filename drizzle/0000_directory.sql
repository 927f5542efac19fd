CREATE TABLE `directory_changes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`sync_run_id` integer NOT NULL,
	`user_id` text NOT NULL,
	`kind` text NOT NULL,
	`before` text,
	`after` text,
	`name` text,
	FOREIGN KEY (`sync_run_id`) REFERENCES `sync_runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `directory_changes_run` ON `directory_changes` (`sync_run_id`);--> statement-breakpoint
CREATE INDEX `directory_changes_user` ON `directory_changes` (`user_id`);--> statement-breakpoint
CREATE TABLE `directory_emails` (
	`email` text NOT NULL,
	`user_id` text NOT NULL,
	`valid_from` integer NOT NULL,
	`kind` text NOT NULL,
	PRIMARY KEY(`email`, `user_id`, `valid_from`)
);
--> statement-breakpoint
CREATE INDEX `directory_emails_user` ON `directory_emails` (`user_id`,`valid_from`);--> statement-breakpoint
CREATE TABLE `directory_records` (
	`id` text NOT NULL,
	`valid_from` integer NOT NULL,
	`raw` text NOT NULL,
	PRIMARY KEY(`id`, `valid_from`)
);
--> statement-breakpoint
CREATE TABLE `directory_state` (
	`id` integer PRIMARY KEY NOT NULL,
	`current_gen` integer NOT NULL,
	`synced_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `directory_users` (
	`id` text NOT NULL,
	`valid_from` integer NOT NULL,
	`valid_to` integer,
	`email` text,
	`first_name` text,
	`last_name` text,
	`title` text,
	`active` integer,
	`manager_id` text,
	`created` text,
	`search_name` text NOT NULL,
	`raw_hash` text NOT NULL,
	`first_seen_at` text NOT NULL,
	PRIMARY KEY(`id`, `valid_from`)
);
--> statement-breakpoint
CREATE INDEX `directory_users_valid_to` ON `directory_users` (`valid_to`);--> statement-breakpoint
CREATE INDEX `directory_users_email` ON `directory_users` (`email`);--> statement-breakpoint
CREATE INDEX `directory_users_manager` ON `directory_users` (`manager_id`);--> statement-breakpoint
CREATE TABLE `gong_budget` (
	`scope` text NOT NULL,
	`day` text NOT NULL,
	`used` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`scope`, `day`)
);
--> statement-breakpoint
CREATE TABLE `locks` (
	`name` text PRIMARY KEY NOT NULL,
	`holder` text NOT NULL,
	`acquired_at` text NOT NULL,
	`expires_at` text NOT NULL,
	`note` text
);
--> statement-breakpoint
CREATE TABLE `sync_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`started_at` text NOT NULL,
	`finished_at` text,
	`outcome` text NOT NULL,
	`error` text,
	`trigger` text DEFAULT 'cli' NOT NULL,
	`users_seen` integer DEFAULT 0 NOT NULL,
	`changes` integer DEFAULT 0 NOT NULL,
	`counts` text DEFAULT '{}' NOT NULL,
	`requests_used` integer DEFAULT 0 NOT NULL
);
