//! Word-at-a-time (SWAR) fast paths: eight bytes tested per step where a byte loop would test
//! one. Each is kept only because a benchmark showed its gain, noted beside it.
