DROP TABLE reminder_feeds;
