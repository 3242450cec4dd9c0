// franz-go behind the conformance suite's JSON-lines protocol: one command a line on stdin, one answer a line on
// stdout. See src/conformance/types.ts for the commands.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

type command struct {
	Op          string   `json:"op"`
	Topic       string   `json:"topic"`
	Partition   int32    `json:"partition"`
	Values      []string `json:"values"`
	Acks        int      `json:"acks"`
	TimeoutMs   int      `json:"timeoutMs"`
	Compression string   `json:"compression"`
	Timestamp   *int64   `json:"timestamp"`
	Offset      int64    `json:"offset"`
	Max         int      `json:"max"`
	WaitMs      int      `json:"waitMs"`
	Group       string   `json:"group"`
	InstanceID  string   `json:"instanceId"`
	Protocol    string   `json:"protocol"`
	// transaction
	TransactionalID string `json:"transactionalId"`
	Commit          bool   `json:"commit"`
	// fetch
	ReadCommitted bool `json:"readCommitted"`
}

type answer map[string]any

var seeds []string

func main() {
	seeds = strings.Split(os.Args[1], ",")
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 16<<20)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var c command
		var a answer
		if err := json.Unmarshal(in.Bytes(), &c); err != nil {
			a = answer{"error": "bad command: " + err.Error()}
		} else {
			a = run(c)
		}
		_ = out.Encode(a)
	}
}

// The Kafka error name when the broker answered one (kerr), else the Go error text's first clause.
func errorName(err error) string {
	var ke *kerr.Error
	if errors.As(err, &ke) {
		return ke.Message
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "context deadline exceeded"
	}
	return strings.SplitN(err.Error(), ":", 2)[0]
}

func fail(err error) answer { return answer{"error": errorName(err)} }

func run(c command) answer {
	switch c.Op {
	case "produce":
		return produce(c)
	case "fetch":
		return fetch(c)
	case "metadata":
		return metadata(c)
	case "offsets":
		return offsets(c)
	case "transaction":
		return transaction(c)
	case "join":
		return join(c)
	}
	return answer{"error": "unknown op " + c.Op}
}

func codec(name string) kgo.CompressionCodec {
	switch name {
	case "gzip":
		return kgo.GzipCompression()
	case "snappy":
		return kgo.SnappyCompression()
	case "lz4":
		return kgo.Lz4Compression()
	case "zstd":
		return kgo.ZstdCompression()
	}
	return kgo.NoCompression()
}

func produce(c command) answer {
	acks := kgo.AllISRAcks()
	switch c.Acks {
	case 0:
		acks = kgo.NoAck()
	case 1:
		acks = kgo.LeaderAck()
	}
	timeout := time.Duration(c.TimeoutMs) * time.Millisecond
	client, err := kgo.NewClient(
		kgo.SeedBrokers(seeds...),
		kgo.RequiredAcks(acks),
		kgo.DisableIdempotentWrite(),
		kgo.ProducerBatchCompression(codec(c.Compression)),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProduceRequestTimeout(timeout),
		kgo.RecordRetries(0),
		kgo.RecordDeliveryTimeout(timeout+5*time.Second),
	)
	if err != nil {
		return fail(err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), timeout+10*time.Second)
	defer cancel()
	records := make([]*kgo.Record, len(c.Values))
	for i, v := range c.Values {
		records[i] = &kgo.Record{Topic: c.Topic, Partition: c.Partition, Value: []byte(v)}
		if c.Timestamp != nil {
			records[i].Timestamp = time.UnixMilli(*c.Timestamp)
		}
	}
	results := client.ProduceSync(ctx, records...)
	if err := results.FirstErr(); err != nil {
		return fail(err)
	}
	if c.Acks == 0 {
		return answer{}
	}
	offsets := []int64{}
	for _, r := range results {
		offsets = append(offsets, r.Record.Offset)
	}
	return answer{"offsets": offsets}
}

// transaction: one transaction with the values sent to one partition, then committed or aborted.
func transaction(c command) answer {
	client, err := kgo.NewClient(
		kgo.SeedBrokers(seeds...),
		kgo.TransactionalID(c.TransactionalID),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
	)
	if err != nil {
		return fail(err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := client.BeginTransaction(); err != nil {
		return fail(err)
	}
	records := make([]*kgo.Record, len(c.Values))
	for i, v := range c.Values {
		records[i] = &kgo.Record{Topic: c.Topic, Partition: c.Partition, Value: []byte(v)}
	}
	results := client.ProduceSync(ctx, records...)
	if err := results.FirstErr(); err != nil {
		return fail(err)
	}
	offsets := []int64{}
	for _, r := range results {
		offsets = append(offsets, r.Record.Offset)
	}
	end := kgo.TryAbort
	if c.Commit {
		end = kgo.TryCommit
	}
	if err := client.EndTransaction(ctx, end); err != nil {
		return fail(err)
	}
	return answer{"offsets": offsets}
}

func fetch(c command) answer {
	isolation := kgo.ReadUncommitted()
	if c.ReadCommitted {
		isolation = kgo.ReadCommitted()
	}
	client, err := kgo.NewClient(
		kgo.SeedBrokers(seeds...),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{c.Topic: {c.Partition: kgo.NewOffset().At(c.Offset)}}),
		kgo.FetchMaxWait(500*time.Millisecond),
		kgo.FetchIsolationLevel(isolation),
	)
	if err != nil {
		return fail(err)
	}
	defer client.Close()
	records := []answer{}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(c.WaitMs)*time.Millisecond)
	defer cancel()
	for len(records) < c.Max && ctx.Err() == nil {
		fetches := client.PollFetches(ctx)
		fetches.EachRecord(func(r *kgo.Record) {
			if len(records) < c.Max {
				records = append(records, answer{"offset": r.Offset, "value": string(r.Value), "leaderEpoch": r.LeaderEpoch})
			}
		})
	}
	return answer{"records": records}
}

func admin() (*kgo.Client, *kadm.Client, error) {
	client, err := kgo.NewClient(kgo.SeedBrokers(seeds...))
	if err != nil {
		return nil, nil, err
	}
	return client, kadm.NewClient(client), nil
}

func metadata(c command) answer {
	client, adm, err := admin()
	if err != nil {
		return fail(err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	md, err := adm.Metadata(ctx, c.Topic)
	if err != nil {
		return fail(err)
	}
	brokers := []int32{}
	for _, b := range md.Brokers {
		brokers = append(brokers, b.NodeID)
	}
	sort.Slice(brokers, func(i, j int) bool { return brokers[i] < brokers[j] })
	t, ok := md.Topics[c.Topic]
	if !ok {
		return answer{"error": "topic missing from metadata"}
	}
	if t.Err != nil {
		return fail(t.Err)
	}
	partitions := []answer{}
	for _, p := range t.Partitions.Sorted() {
		partitions = append(partitions, answer{"partition": p.Partition, "leader": p.Leader, "leaderEpoch": p.LeaderEpoch, "replicas": sorted(p.Replicas), "isr": sorted(p.ISR)})
	}
	return answer{"brokers": brokers, "controller": md.Controller, "partitions": partitions}
}

func sorted(ids []int32) []int32 {
	out := append([]int32{}, ids...)
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func offsets(c command) answer {
	client, adm, err := admin()
	if err != nil {
		return fail(err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	start, err := adm.ListStartOffsets(ctx, c.Topic)
	if err != nil {
		return fail(err)
	}
	end, err := adm.ListEndOffsets(ctx, c.Topic)
	if err != nil {
		return fail(err)
	}
	s, _ := start.Lookup(c.Topic, c.Partition)
	e, _ := end.Lookup(c.Topic, c.Partition)
	if s.Err != nil {
		return fail(s.Err)
	}
	if e.Err != nil {
		return fail(e.Err)
	}
	return answer{"earliest": s.Offset, "latest": e.Offset, "leaderEpoch": e.LeaderEpoch}
}

func join(c command) answer {
	assigned := make(chan []int32, 1)
	opts := []kgo.Opt{
		kgo.SeedBrokers(seeds...),
		kgo.ConsumerGroup(c.Group),
		kgo.ConsumeTopics(c.Topic),
		kgo.OnPartitionsAssigned(func(_ context.Context, _ *kgo.Client, m map[string][]int32) {
			select {
			case assigned <- sorted(m[c.Topic]):
			default:
			}
		}),
	}
	if c.InstanceID != "" {
		opts = append(opts, kgo.InstanceID(c.InstanceID))
	}
	client, err := kgo.NewClient(opts...)
	if err != nil {
		return fail(err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(c.WaitMs)*time.Millisecond)
	defer cancel()
	go func() {
		for ctx.Err() == nil {
			client.PollFetches(ctx)
		}
	}()
	select {
	case partitions := <-assigned:
		member, generation := client.GroupMetadata()
		return answer{"memberId": member, "generation": generation, "assignment": partitions}
	case <-ctx.Done():
		return answer{"error": fmt.Sprintf("NOT_JOINED")}
	}
}
