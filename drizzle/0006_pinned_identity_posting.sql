ALTER TABLE `approval_messages` ADD `digest` text;--> statement-breakpoint
ALTER TABLE `approval_subjects` ADD `change_sent_at` text;