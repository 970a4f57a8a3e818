ALTER TABLE inquiries DROP COLUMN shortlist_code;
DROP TABLE shortlists;
