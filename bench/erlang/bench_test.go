package erlang

import "testing"

// The benchmarks size a 1000-agent queue: A = 950 erlangs, 240 s handle
// time, 20 s threshold, 120 s mean patience.

func BenchmarkErlangC1000(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ErlangC(950.0/240, 240, 1000, 20); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkErlangA1000(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ErlangA(950.0/240, 240, 1000, 20, 120); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkErlangA1000Overload is 20% over capacity with 10⁵ s patience, the
// case a truncated birth–death chain would need ~10⁴ states for.
func BenchmarkErlangA1000Overload(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ErlangA(1200.0/240, 240, 1000, 20, 1e5); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAgentsFor1000(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := AgentsFor(950.0/240, 240, 20, 0.8); err != nil {
			b.Fatal(err)
		}
	}
}
