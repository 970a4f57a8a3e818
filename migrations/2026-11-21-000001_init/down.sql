DROP TABLE plots;
DROP TABLE estates;
DROP TABLE municipalities;
DROP TABLE regions;
