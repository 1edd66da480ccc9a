package relay

import (
	"math"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the relay's Prometheus series, on their own registry so a
// test can run several relays in one process.
type metrics struct {
	reg *prometheus.Registry

	conns           prometheus.Gauge
	pushes          prometheus.Counter
	duplicates      prometheus.Counter
	conflicts       prometheus.Counter
	snapshots       prometheus.Counter
	backlogRecords  prometheus.Counter
	bytesOut        prometheus.Counter
	slowDropped     prometheus.Counter
	idleClosed      prometheus.Counter
	snapshotEncodes prometheus.Counter
	snapshotsServed prometheus.Counter
	evicted         prometheus.Counter
	errors          *prometheus.CounterVec
	refused         *prometheus.CounterVec
	commitSeconds   prometheus.Histogram
	batchRecords    prometheus.Histogram
	delivery        prometheus.Histogram
}

// delivered observes, for frames just written to a connection, the time
// since the earliest of their records arrived (zero: not a frame of live
// records).
func (m *metrics) delivered(at []time.Time) {
	now := time.Now()
	for _, t := range at {
		if !t.IsZero() {
			m.delivery.Observe(now.Sub(t).Seconds())
		}
	}
}

func newMetrics(s *Server) *metrics {
	reg := prometheus.NewRegistry()
	f := func(c prometheus.Collector) { reg.MustRegister(c) }
	m := &metrics{reg: reg}
	m.conns = prometheus.NewGauge(prometheus.GaugeOpts{Name: "pairwise_relay_connections", Help: "Open WebSocket connections."})
	m.pushes = prometheus.NewCounter(prometheus.CounterOpts{Name: "pairwise_relay_pushes_total", Help: "Records appended to document logs."})
	m.conflicts = prometheus.NewCounter(prometheus.CounterOpts{Name: "pairwise_relay_commit_conflicts_total", Help: "Group commits numbered again because another relay instance wrote one of their documents first."})
	m.duplicates = prometheus.NewCounter(prometheus.CounterOpts{Name: "pairwise_relay_duplicate_pushes_total", Help: "Retried pushes the relay already held, acknowledged again."})
	m.snapshots = prometheus.NewCounter(prometheus.CounterOpts{Name: "pairwise_relay_snapshots_total", Help: "Snapshots accepted."})
	m.backlogRecords = prometheus.NewCounter(prometheus.CounterOpts{Name: "pairwise_relay_backlog_records_total", Help: "Records sent to subscribers catching up."})
	m.bytesOut = prometheus.NewCounter(prometheus.CounterOpts{Name: "pairwise_relay_sent_bytes_total", Help: "Bytes of frames sent to clients."})
	m.slowDropped = prometheus.NewCounter(prometheus.CounterOpts{Name: "pairwise_relay_slow_subscribers_dropped_total", Help: "Connections dropped because they could not keep up."})
	m.errors = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "pairwise_relay_errors_total", Help: "Errors sent to clients, by code."}, []string{"code"})
	m.refused = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "pairwise_relay_refused_connections_total", Help: "Connections refused before the protocol started, by reason."}, []string{"code"})
	m.commitSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "pairwise_relay_commit_seconds", Help: "Time to durably store one group commit.",
		Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16)})
	m.batchRecords = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "pairwise_relay_commit_records", Help: "Records per group commit.",
		Buckets: prometheus.ExponentialBuckets(1, 2, 10)})
	m.delivery = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "pairwise_relay_delivery_seconds",
		Help: "From a pushed record's arrival to its frame written to a live subscriber's connection, per subscriber: the relay's own share of a record's latency. " +
			"Early subscribers get records before they are stored; the others after the group commit.",
		Buckets: prometheus.ExponentialBuckets(0.00005, math.Sqrt2, 31)}) // 50 µs to 1.6 s
	m.idleClosed = prometheus.NewCounter(prometheus.CounterOpts{Name: "pairwise_relay_unadmitted_closed_total", Help: "Connections closed because they opened no pair in time."})
	m.snapshotEncodes = prometheus.NewCounter(prometheus.CounterOpts{Name: "pairwise_relay_snapshot_encodes_total", Help: "Snapshots read and encoded for subscribers (one encoding serves every subscriber)."})
	m.snapshotsServed = prometheus.NewCounter(prometheus.CounterOpts{Name: "pairwise_relay_snapshots_served_total", Help: "Snapshots looked up for subscribers catching up."})
	m.evicted = prometheus.NewCounter(prometheus.CounterOpts{Name: "pairwise_relay_documents_evicted_total", Help: "Idle documents dropped from memory."})
	f(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "pairwise_relay_queued_bytes", Help: "Bytes queued to clients across all connections."},
		func() float64 { return float64(s.queued.Load()) }))
	for _, c := range []prometheus.Collector{m.idleClosed, m.snapshotEncodes, m.snapshotsServed, m.evicted, m.conns, m.pushes, m.duplicates, m.conflicts, m.snapshots, m.backlogRecords, m.bytesOut, m.slowDropped, m.errors, m.refused, m.commitSeconds, m.batchRecords, m.delivery} {
		f(c)
	}
	f(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "pairwise_relay_documents", Help: "Documents stored."},
		func() float64 { return float64(s.store.Stats().Docs) }))
	f(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "pairwise_relay_records", Help: "Records stored (not yet covered by a snapshot and pruned)."},
		func() float64 { return float64(s.store.Stats().Records) }))
	f(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "pairwise_relay_stored_bytes", Help: "Bytes of sealed records and snapshots stored."},
		func() float64 { return float64(s.store.Stats().Bytes) }))
	f(collectors.NewGoCollector())
	f(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// MetricsHandler serves the relay's Prometheus metrics at /metrics. It is
// meant for its own listener (serve --metrics-listen), not the WebSocket
// one: metrics tell anyone who reads them how busy the relay is.
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.m.reg, promhttp.HandlerOpts{}))
	return mux
}

// committed counts a group commit of n records.
func (m *metrics) committed(n int) {
	if n > 0 {
		m.batchRecords.Observe(float64(n))
		m.pushes.Add(float64(n))
	}
}
