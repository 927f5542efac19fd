CREATE INDEX `approval_subjects_user` ON `approval_subjects` (`user_id`);--> statement-breakpoint
CREATE INDEX `approval_trail_request` ON `approval_trail` (`request_id`);