/** The example alert rules (docs/alerts/orders.rules.yml) are valid YAML in Prometheus' shape and name only metrics the service exports. */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parse } from "yaml";
import { SAGA_METRICS } from "../../lib/platform/observability/metrics";

interface Rule {
	alert?: string;
	record?: string;
	expr: string;
	for?: string;
}

const rules = (parse(readFileSync(resolve(__dirname, "../../docs/alerts/orders.rules.yml"), "utf8")) as { groups: Array<{ name: string; rules: Rule[] }> }).groups.flatMap((g) => g.rules);
const exported = Object.values(SAGA_METRICS).map((name) => name.replace(/\./g, "_"));
const recorded = rules.flatMap((r) => (r.record ? [r.record] : []));

describe("the example alert rules", () => {
	it("alert on stuck orders and their age", () => {
		const alerts = rules.filter((r) => r.alert);
		expect(alerts.map((a) => a.expr).join(" ")).toMatch(/orders_stuck\b/);
		expect(alerts.map((a) => a.expr).join(" ")).toMatch(/orders_stuck_oldest_seconds/);
		for (const rule of rules) expect(Boolean(rule.alert) !== Boolean(rule.record)).toBe(true);
	});

	it.each(rules.map((r) => [r.alert ?? r.record, r.expr]))("%s names exported metrics only", (_name, expr) => {
		const metrics = [...(expr as string).matchAll(/\b(orders[_:][a-z_:0-9]+)/g)].map((m) => m[1]);
		expect(metrics.length).toBeGreaterThan(0);
		for (const metric of metrics) {
			const base = metric.replace(/_(bucket|sum|count)$/, "");
			expect(exported.includes(base) || recorded.includes(metric)).toBe(true);
		}
	});
});
