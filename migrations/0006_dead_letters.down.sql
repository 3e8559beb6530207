DROP TABLE dead_letter_redrives;
DROP TABLE dead_letters;
