// Package badinput feeds the real samsa binary what a broken, hostile or
// confused client might send, over raw TCP with hand-written frames, and
// checks that the broker answers as Apache Kafka does: an error code where
// Kafka has one, a closed connection where Kafka closes it. After each bad
// input a well-behaved franz-go client on its own connection must still
// produce and fetch, the broker must have written exactly the log lines the
// case calls for, its memory must not have grown by what the input claimed,
// the process must still be running, and no partition may have gained or
// lost a record.
//
// The crash tests kill -9 the broker under load and tear the tail of a
// partition's active segment, then check that every acknowledged record is
// served at its offset and that appends resume where the valid prefix ends.
//
// The tests are all in _test.go files; this file only carries the package
// documentation (RELIABILITY.md §6 items 8 and 24–29 are the catalogue).
package badinput
