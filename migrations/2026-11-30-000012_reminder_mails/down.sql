DROP TABLE reminder_mails;
ALTER TABLE users DROP COLUMN language;
