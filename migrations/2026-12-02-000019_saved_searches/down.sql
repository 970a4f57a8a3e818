DROP TABLE saved_search_entries;
DROP TABLE saved_search_matches;
DROP TABLE saved_search_keys;
DROP TABLE saved_searches;
