// Package console is `samsa console-producer` and `samsa console-consumer`,
// Kafka's kafka-console-producer.sh and kafka-console-consumer.sh: the same
// flags, the same reader and formatter properties and the same output, over
// the wire with franz-go.
//
// Where Kafka prints a Java stack trace (a bad input line, a broken reader
// configuration) these tools print only its first line, which carries the
// message; where Kafka would wait a minute for an absent broker they give
// up after cli.ConnectTimeout with one line naming the address.
package console
