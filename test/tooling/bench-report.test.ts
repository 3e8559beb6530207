import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeReport, type BenchResults } from "../../bench/report";
import { latency, quantile, summarize } from "../../bench/support";

const hop = { p50_ms: 10, p99_ms: 20 };
const round = (p99: number | null) => ({
	offered_per_s: 200, achieved_per_s: 199, orders: 1000, create_errors: 0, incomplete: p99 === null ? 3 : 0, p50_ms: 40, p99_ms: p99,
	hops: { outbox_to_relay: hop, created_to_reserve: hop, reserve_to_terminal: hop },
	machine_cpu_busy_pct: 93, node_event_loop_utilization: 0.97, node_rss_mb: 120,
});
const results: BenchResults = {
	meta: { date: "2026-12-01T00:00:00Z", mode: "quick", command: "npm run bench -- --quick", machine: { cpus: 2, cpu_model: "test", memory_gb: 4, load_average_at_start: [1, 1, 1] }, node: "v24", kafka_partitions: 3, db_pool_max: 10 },
	create: { c64: { orders_per_s: 300, p50_ms: 100, p99_ms: 200, max_ms: 250, raw_orders_per_s: 600, raw_p50_ms: 50, raw_p99_ms: 90, ratio_vs_raw: 0.5 } },
	saga: {
		r100: { ...round(120), raw: round(60), ratio_vs_raw: 2 },
		r200: { ...round(777), raw: round(70), ratio_vs_raw: 11.1 },
		r400: { ...round(null), raw: round(80), ratio_vs_raw: null },
		max_rate_p99_under_1s: 200,
	},
	memory: { all_in_one_mb: 180, max_rss_mb: 180 },
};

describe("benchmark report", () => {
	const dir = mkdtempSync(join(tmpdir(), "bench-report-"));
	writeReport(results, dir);
	const doc = readFileSync(join(dir, "benchmarks.md"), "utf8");
	const svg = readFileSync(join(dir, "benchmarks-saga.svg"), "utf8");

	it("puts the run's figures, ratios and command in the page", () => {
		expect(doc).toContain("| create REST, 64 clients | 300/s, p50 100 ms, p99 200 ms | 600/s, p99 90 ms | 0.5x | >= 0.6x |");
		expect(doc).toContain("p99 777 ms");
		expect(doc).toContain("p99 11.1x raw");
		expect(doc).toContain("npm run bench -- --quick");
		expect(doc).toContain("| saga: highest rate with p99 under 1 s | 200 orders/s |");
		expect(doc).toContain("| saga load at 200 orders/s | machine CPU 93% busy, node event loop 0.97 |");
	});

	it("says when orders did not finish rather than inventing a latency", () => {
		expect(doc).toContain("p99 unfinished, 3 unfinished");
	});

	it("draws every known saga point, and none for an unfinished round", () => {
		// service p99: 2 known points (r400 unfinished); service p50 and the raw lines: 3 each.
		expect(svg.match(/<circle /g)).toHaveLength(2 + 3 + 3 + 3);
		expect(svg.startsWith("<svg")).toBe(true);
	});
});

describe("benchmark statistics", () => {
	it("takes quantiles of sorted samples", () => {
		const samples = Array.from({ length: 100 }, (_, i) => i + 1);
		expect(quantile(samples, 0.5)).toBe(51);
		expect(quantile(samples, 0.99)).toBe(100);
		expect(latency([3, 1, 2])).toEqual({ p50_ms: 2, p99_ms: 3, max_ms: 3 });
	});

	it("rates slices by their total time, not by the mean of their rates", () => {
		expect(summarize([{ samples: [1, 1, 1, 1], seconds: 1 }, { samples: [1], seconds: 3 }]).per_s).toBe(Math.round(5 / 4));
	});
});
