CREATE TABLE `gong_rate_window` (
	`id` integer PRIMARY KEY NOT NULL,
	`scope` text NOT NULL,
	`started_at` integer NOT NULL,
	`until_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `gong_rate_window_scope_until` ON `gong_rate_window` (`scope`,`until_ms`);