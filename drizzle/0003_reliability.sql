ALTER TABLE `audit_posts` ADD `csv_delivered` text;--> statement-breakpoint
ALTER TABLE `audit_posts` ADD `final_rendered` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `audit_runs` ADD `pause_kind` text;--> statement-breakpoint
ALTER TABLE `audit_runs` ADD `transient_pauses` integer DEFAULT 0 NOT NULL;