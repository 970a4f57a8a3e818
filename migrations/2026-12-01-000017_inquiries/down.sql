DROP TABLE inquiry_history;
DROP TABLE inquiries;
DROP SEQUENCE inquiry_submissions;
