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