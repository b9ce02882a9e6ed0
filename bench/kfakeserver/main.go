// Command kfakeserver runs franz-go's kfake, an in-memory Kafka with
// optional disk persistence, as a standalone process: the peer that the
// benchmark (bench/run) compares Samsa with. One broker listens on
// 127.0.0.1:<port>; with -data-dir it persists to that directory
// (kfake.DataDir), and -sync adds an fsync per produced batch
// (kfake.SyncWrites); each -config key=value sets a broker config
// (kfake.BrokerConfigs), such as group.consumer.session.timeout.ms. It
// prints "listening on <addr>" once the broker accepts connections and
// serves until SIGTERM or SIGINT.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/twmb/franz-go/pkg/kfake"
)

func main() {
	port := flag.Int("port", 9092, "port to listen on (127.0.0.1)")
	dataDir := flag.String("data-dir", "", "persist the cluster to this directory")
	sync := flag.Bool("sync", false, "fsync every produced batch (needs -data-dir)")
	configs := map[string]string{}
	flag.Func("config", "broker config key=value (repeatable)", func(kv string) error {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return fmt.Errorf("want key=value, got %q", kv)
		}
		configs[k] = v
		return nil
	})
	flag.Parse()
	if *sync && *dataDir == "" {
		fmt.Fprintln(os.Stderr, "kfakeserver: -sync needs -data-dir")
		os.Exit(2)
	}
	opts := []kfake.Opt{kfake.NumBrokers(1), kfake.Ports(*port)}
	if *dataDir != "" {
		opts = append(opts, kfake.DataDir(*dataDir))
	}
	if *sync {
		opts = append(opts, kfake.SyncWrites())
	}
	if len(configs) > 0 {
		opts = append(opts, kfake.BrokerConfigs(configs))
	}
	// Signals are caught before the cluster starts so that a SIGTERM sent
	// right after the "listening" line still closes it cleanly.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		fmt.Fprintf(os.Stderr, "kfakeserver: start cluster: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("listening on %s\n", c.ListenAddrs()[0])
	<-sigs
	c.Close()
}
