DROP INDEX `approval_subjects_one_open`;--> statement-breakpoint
ALTER TABLE `approval_subjects` ADD `aliases` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `approval_subjects` ADD `dry_run` integer DEFAULT false NOT NULL;--> statement-breakpoint
UPDATE `approval_subjects` SET `dry_run` = 1 WHERE `request_id` IN (SELECT `id` FROM `approval_requests` WHERE `dry_run` = 1);--> statement-breakpoint
ALTER TABLE `approval_subjects` ADD `audit_run_id` integer;--> statement-breakpoint
ALTER TABLE `approval_subjects` ADD `activity_since` text;--> statement-breakpoint
ALTER TABLE `approval_subjects` ADD `lookback_days` integer;--> statement-breakpoint
ALTER TABLE `approval_subjects` ADD `evidence` text;--> statement-breakpoint
ALTER TABLE `approval_subjects` ADD `former_approvers` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `approval_subjects_one_open` ON `approval_subjects` (`user_id`) WHERE state IN ('pending','approved','executing','awaiting_idp') AND dry_run = 0;--> statement-breakpoint
ALTER TABLE `approval_requests` ADD `requested_by_operator` text;