package perf

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"sync"
)

// newRand is the payload generator's source. Kafka seeds its generator
// with 0 so every run sends the same payloads; so does this one.
func newRand() *rand.Rand { return rand.New(rand.NewPCG(0, 0)) }

// sendErrors reports failed sends on stderr like the Java client's
// ErrorLoggingCallback, but only the first maxShownErrors of them: a broker
// that went away fails every buffered record, and the count says enough.
type sendErrors struct {
	mu    sync.Mutex
	w     io.Writer
	topic string
	n     int64
}

const maxShownErrors = 20

func (e *sendErrors) report(size int, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.n++
	switch {
	case e.n <= maxShownErrors:
		fmt.Fprintf(e.w, "ERROR Error when sending message to topic %s with key: null, value: %d bytes with error: %v\n", e.topic, size, err)
	case e.n == maxShownErrors+1:
		fmt.Fprintln(e.w, "ERROR further send errors are counted but not shown")
	}
}

func (e *sendErrors) count() int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.n
}

// writeJSON writes v as one line to path, or to stdout for "-".
func writeJSON(path string, v any, stdout io.Writer) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode result: %w", err)
	}
	data = append(data, '\n')
	if path == "-" {
		_, err = stdout.Write(data)
		return err
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("write result: %w", err)
	}
	return nil
}

// syncWriter serialises writes: the acknowledgement callbacks of both
// stats objects of a run print their windows concurrently.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
