DROP TABLE IF EXISTS consumer_watermarks;
