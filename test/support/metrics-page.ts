/** A node's Prometheus page, read as a test reads it: samples by metric name, summed by labels. */

type Labels = Record<string, string>;
export type MetricsPage = Map<string, Array<{ labels: Labels; value: number }>>;

/** Samples of a Prometheus text page: metric name -> labels and value per line. */
export function parseMetrics(page: string): MetricsPage {
	const samples: MetricsPage = new Map();
	for (const line of page.split("\n")) {
		const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
		if (!m) continue;
		const labels = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
		samples.set(m[1], [...(samples.get(m[1]) ?? []), { labels, value: Number(m[3]) }]);
	}
	return samples;
}

/** The sum of the samples of `name` whose labels include `labels`; undefined when there is none. */
export function value(page: MetricsPage, name: string, labels: Labels = {}): number | undefined {
	const matching = (page.get(name) ?? []).filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
	return matching.length === 0 ? undefined : matching.reduce((sum, s) => sum + s.value, 0);
}

/** Reads the page at `url`. */
export async function scrape(url: string): Promise<MetricsPage> {
	const res = await fetch(url);
	if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
	return parseMetrics(await res.text());
}
