CREATE TABLE `leaver_checks` (
	`id` integer PRIMARY KEY NOT NULL,
	`checked_at` text NOT NULL,
	`sources` text NOT NULL,
	`snapshot_gen` integer NOT NULL,
	`not_in_slack` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `leavers` (
	`user_id` text PRIMARY KEY NOT NULL,
	`email` text NOT NULL,
	`name` text NOT NULL,
	`source` text NOT NULL,
	`since` text,
	`slack_user_id` text,
	`found_at` text NOT NULL,
	`notice` text,
	`noticed_at` text,
	`request_id` integer,
	`subject_id` integer
);
--> statement-breakpoint
CREATE TABLE `newcomer_notices` (
	`user_id` text PRIMARY KEY NOT NULL,
	`audit_run_id` integer NOT NULL,
	`noticed_at` text NOT NULL
);
--> statement-breakpoint
ALTER TABLE `audit_subjects` ADD `newcomer` integer DEFAULT false NOT NULL;