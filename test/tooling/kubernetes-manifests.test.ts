/**
 * deploy/kubernetes without a cluster: every overlay is rendered (kubectl kustomize),
 * every object is validated against the Kubernetes,
 * KEDA and Prometheus Operator schemas (test/support/validate-kubernetes-objects.mjs),
 * and the manifests are held against the code: services, settings, ports, probes, the
 * image's user, topics, groups, partitions, stop times, measured memory, metric names.
 */
import { BATCH_SERVICES } from "../../bench/production-start";
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { brokerOptions } from "../../moleculer.config";
import { ALL_SERVICES, loadConfig, type Config } from "../../lib/platform/config/config";
import { SAGA_METRICS } from "../../lib/platform/observability/metrics";

const root = resolve(__dirname, "..", "..");
const read = (file: string) => readFileSync(join(root, file), "utf8");
const OVERLAYS = ["small", "production", "prometheus-operator"] as const;
type Overlay = (typeof OVERLAYS)[number];

interface Container {
	name: string;
	image: string;
	command?: string[];
	env?: Array<{ name: string; value?: string }>;
	envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
	ports?: Array<{ name: string; containerPort: number }>;
	livenessProbe?: Probe;
	readinessProbe?: Probe;
	startupProbe?: Probe;
	lifecycle?: { preStop?: { exec?: { command: string[] } } };
	resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
	securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean; capabilities?: { drop?: string[] } };
}
interface Probe {
	httpGet?: { path: string; port: string | number };
}
interface PodTemplate {
	metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
	spec: {
		containers: Container[];
		securityContext?: { runAsUser?: number; runAsGroup?: number; runAsNonRoot?: boolean };
		enableServiceLinks?: boolean;
		terminationGracePeriodSeconds?: number;
		topologySpreadConstraints?: Array<{ topologyKey: string; labelSelector: { matchLabels: Record<string, string> } }>;
	};
}
interface K8sObject {
	apiVersion: string;
	kind: string;
	metadata: { name: string; labels?: Record<string, string> };
	data?: Record<string, string>;
	stringData?: Record<string, string>;
	spec: {
		replicas?: number;
		template: PodTemplate;
		selector: Record<string, string> & { matchLabels: Record<string, string> };
		scaleTargetRef: { name: string; kind?: string };
		minReplicas?: number;
		maxReplicas?: number;
		minReplicaCount?: number;
		maxReplicaCount?: number;
		metrics?: Array<{ resource?: { name: string } }>;
		triggers?: Array<{ type: string; metadata: Record<string, string> }>;
		ports: Array<{ name: string; targetPort: string | number }>;
		podMetricsEndpoints?: Array<{ port: string; path: string }>;
		groups?: Array<{ rules: Array<{ alert?: string; record?: string; expr: string }> }>;
	};
}

/** kubectl's kustomize: the machines this project runs on ship kubectl (and no cluster). */
function renderers(): Array<{ name: string; build: (dir: string) => string }> {
	if (spawnSync("kubectl", ["version", "--client"], { stdio: "ignore" }).status !== 0) return [];
	return [{ name: "kubectl kustomize", build: (dir: string) => execFileSync("kubectl", ["kustomize", dir], { encoding: "utf8" }) }];
}

const tools = renderers();
const overlayDir = (overlay: Overlay) => join(root, "deploy", "kubernetes", "overlays", overlay);
const parseObjects = (text: string): K8sObject[] => parseAllDocuments(text).map((doc) => doc.toJSON() as K8sObject);
/** Each overlay as each tool renders it (once: a render takes a while on a busy machine). */
const renders = OVERLAYS.map((overlay) => tools.map((tool) => parseObjects(tool.build(overlayDir(overlay)))));
const objects = (overlay: Overlay) => renders[OVERLAYS.indexOf(overlay)][0] ?? [];
const ofKind = (overlay: Overlay, kind: string) => objects(overlay).filter((o) => o.kind === kind);
const deployments = (overlay: Overlay) => ofKind(overlay, "Deployment");
const workloads = (overlay: Overlay) => [...deployments(overlay), ...ofKind(overlay, "Job")];
const node = (o: K8sObject) => o.spec.template.spec.containers[0];
const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

/** The names loadConfig reads: every real setting (it reads each of them for an empty environment). */
const settingNames = (() => {
	const seen = new Set<string>();
	loadConfig(new Proxy({}, { get: (_t, name) => (seen.add(String(name)), undefined) }));
	return seen;
})();
/** Settings that hold credentials or may: never in a ConfigMap. */
const SECRET_SETTINGS = ["DATABASE_URL", "REDIS_URL", "KAFKA_SASL_MECHANISM", "KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD", "AUTH_JWT_SECRET", "TRANSIT_KEY"];

/** The environment a container starts with: its ConfigMap and Secret (when rendered) and its own env. */
function environment(overlay: Overlay, container: Container): Record<string, string> {
	const env: Record<string, string> = {};
	for (const from of container.envFrom ?? []) {
		const ref = from.configMapRef ?? from.secretRef;
		const source = objects(overlay).find((o) => (o.kind === "ConfigMap" || o.kind === "Secret") && o.metadata.name === ref?.name);
		Object.assign(env, source?.data ?? {}, source?.stringData ?? {});
	}
	for (const { name, value } of container.env ?? []) env[name] = value ?? "";
	return env;
}
const configOf = (overlay: Overlay, container: Container): Config => loadConfig(environment(overlay, container));
/** The services a node runs: SERVICES, or every service when unset (as the code reads it). */
const servicesOf = (overlay: Overlay, o: K8sObject) => configOf(overlay, node(o)).services;
const portNumber = (container: Container, port: string | number) => (typeof port === "number" ? port : container.ports?.find((p) => p.name === port)?.containerPort);

/** Mebibytes of a Kubernetes quantity such as 256Mi or 1Gi. */
const mebibytes = (quantity: string) => Number(quantity.replace(/Mi$/, "")) * (quantity.endsWith("Gi") ? 1024 : 1);
/** Peak resident MiB per node kind, from the table `npm run bench:memory` wrote into docs/operations.md. */
const measuredPeakMiB = (() => {
	const rows = [...read("docs/operations.md").matchAll(/^\| (single-service|all-in-one) \| ([^|]+) \| [\d.]+ \| ([\d.]+) \|/gm)];
	return new Map(rows.map(([, layout, services, peak]) => [layout === "all-in-one" ? "all-in-one" : services.trim(), Number(peak)]));
})();

describe("deploy/kubernetes", () => {
	it("renders every overlay with kubectl kustomize", () => {
		expect(tools.map((t) => t.name)).toEqual(["kubectl kustomize"]); // no kubectl on this machine: install it to run this test
		for (const [rendered] of renders) expect(rendered.length).toBeGreaterThan(0);
	});

	it("validates every object against the Kubernetes, KEDA and Prometheus Operator schemas", () => {
		const all = OVERLAYS.flatMap((overlay) => objects(overlay));
		const out = execFileSync(process.execPath, [join(root, "test", "support", "validate-kubernetes-objects.mjs")], { input: JSON.stringify(all), encoding: "utf8" });
		const results = JSON.parse(out) as Array<{ object: string; error: string | null }>;
		expect(results).toHaveLength(all.length);
		expect(results.filter((r) => r.error !== null)).toEqual([]);
	});

	it("production has one Deployment per service of the code, each running that service alone; small one all-in-one node", () => {
		const byService = deployments("production").map((d) => servicesOf("production", d));
		expect(byService.map((s) => s.join(",")).sort()).toEqual([...ALL_SERVICES].sort());
		const small = deployments("small");
		expect(small).toHaveLength(1);
		expect(node(small[0]).env ?? []).toEqual([]); // SERVICES unset: every service, as `npm start`
		expect(servicesOf("small", small[0])).toEqual([...ALL_SERVICES]);
	});

	it("sets only real settings, valid ones, and keeps credentials out of ConfigMaps", () => {
		for (const overlay of OVERLAYS) {
			for (const w of workloads(overlay)) {
				const env = environment(overlay, node(w));
				expect(Object.keys(env).filter((name) => !settingNames.has(name))).toEqual([]);
				expect(() => loadConfig(env)).not.toThrow();
			}
			for (const map of ofKind(overlay, "ConfigMap")) {
				expect(Object.keys(map.data ?? {}).filter((name) => SECRET_SETTINGS.includes(name))).toEqual([]);
				expect(Object.values(map.data ?? {}).filter((value) => /:\/\/[^/@\s]*:[^/@\s]*@/.test(value))).toEqual([]);
			}
			for (const w of workloads(overlay)) {
				// Every pod reads the Secret; production renders none: the operator creates it in the cluster.
				expect(node(w).envFrom).toContainEqual({ secretRef: { name: "orders-secrets" } });
				// Nothing but these sources: no <SERVICE>_PORT=tcp://... from the namespace's Services.
				expect(w.spec.template.spec.enableServiceLinks).toBe(false);
			}
		}
		expect(ofKind("production", "Secret")).toEqual([]);
		const example = ofKind("small", "Secret");
		expect(example.map((s) => s.metadata.name)).toEqual(["orders-secrets"]);
		expect(Object.keys(example[0].stringData ?? {}).filter((name) => !SECRET_SETTINGS.includes(name))).toEqual([]);
	});

	it("runs every pod as the image's unprivileged user on a read-only root file system, from the one image", () => {
		// The Dockerfile's runtime stage ends as `node`: uid 1000 in the official Node image.
		const runtime = read("Dockerfile").split(/^FROM /m).at(-1) ?? "";
		expect(runtime).toMatch(/^USER node$/m);
		for (const overlay of OVERLAYS) {
			const images = new Set(workloads(overlay).map((w) => node(w).image));
			expect(images.size).toBe(1);
			for (const w of workloads(overlay)) {
				expect(w.spec.template.spec.containers).toHaveLength(1);
				expect(w.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000 });
				expect(node(w).securityContext).toEqual({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
			}
		}
	});

	it("probes /live and /ready on PROBE_PORT, the paths lib/platform/observability/probes.ts serves", () => {
		const served = read("lib/platform/observability/probes.ts");
		for (const overlay of OVERLAYS) {
			for (const d of deployments(overlay)) {
				const container = node(d);
				const cfg = configOf(overlay, container);
				for (const [probe, path] of [["livenessProbe", "/live"], ["startupProbe", "/live"], ["readinessProbe", "/ready"]] as const) {
					const get = container[probe]?.httpGet;
					expect(get?.path).toBe(path);
					expect(portNumber(container, get?.port ?? "")).toBe(cfg.probePort);
					expect(served).toContain(`path === "${path}"`);
				}
				expect(portNumber(container, "metrics")).toBe(cfg.metricsPort);
				expect(d.spec.template.metadata.annotations?.["prometheus.io/port"]).toBe(String(cfg.metricsPort));
			}
		}
	});

	it("points the REST and gRPC Services at pods that run the gateway, on its PORT and GRPC_PORT", () => {
		for (const overlay of OVERLAYS) {
			for (const [serviceName, gateway, setting] of [["orders-rest", "api-gateway", "port"], ["orders-grpc", "grpc-gateway", "grpcPort"]] as const) {
				const service = ofKind(overlay, "Service").find((s) => s.metadata.name === serviceName);
				const selected = deployments(overlay).filter((d) => matches(service?.spec.selector ?? { none: "" }, d.spec.template.metadata.labels));
				expect(selected).not.toEqual([]);
				for (const d of selected) {
					expect(servicesOf(overlay, d)).toContain(gateway);
					expect(portNumber(node(d), service?.spec.ports[0].targetPort ?? "")).toBe(configOf(overlay, node(d))[setting]);
				}
			}
		}
	});

	it("runs the migrate and topics steps as Jobs, with the command lines of `npm run migrate` and `npm run topics`", () => {
		const scripts = (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts;
		for (const overlay of OVERLAYS) {
			const commands = ofKind(overlay, "Job").map((j) => node(j).command?.join(" "));
			expect(commands.sort()).toEqual([scripts.migrate, scripts.topics].sort());
		}
	});

	it("starts a node of state or a listener alone as `npm run start:prod:batch` does, every other node with the image's command", () => {
		const scripts = (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts;
		for (const overlay of OVERLAYS) {
			for (const d of deployments(overlay)) {
				const services = servicesOf(overlay, d);
				const expected = services.length === 1 && BATCH_SERVICES.includes(services[0]) ? scripts["start:prod:batch"].split(/\s+/) : undefined;
				expect([services.join(","), node(d).command]).toEqual([services.join(","), expected]);
			}
		}
	});

	it("gives every node time to stop as it does: the preStop pause, in-flight requests, a relay's send to Kafka", () => {
		const shutdownSeconds = (brokerOptions(loadConfig({})).tracking?.shutdownTimeout ?? 0) / 1000;
		const kafkaRequestSeconds = 30; // kafkajs' default requestTimeout: the longest a relay's send may take
		for (const overlay of OVERLAYS) {
			for (const d of deployments(overlay)) {
				const pause = Number(node(d).lifecycle?.preStop?.exec?.command.at(-1) ?? 0);
				expect(d.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(pause + Math.max(shutdownSeconds, kafkaRequestSeconds));
			}
		}
	});

	it("asks at least the memory each node kind was measured to use, and limits it well above", () => {
		expect(measuredPeakMiB.size).toBe(ALL_SERVICES.length + 1);
		for (const overlay of OVERLAYS) {
			for (const d of deployments(overlay)) {
				const services = servicesOf(overlay, d);
				const peak = measuredPeakMiB.get(services.length === 1 ? services[0] : "all-in-one");
				const { requests, limits } = node(d).resources ?? {};
				expect(mebibytes(requests?.memory ?? "0")).toBeGreaterThanOrEqual(peak ?? Infinity);
				expect(mebibytes(limits?.memory ?? "0")).toBeGreaterThanOrEqual(2 * mebibytes(requests?.memory ?? "0"));
				expect(String(requests?.cpu)).toMatch(/^\d+(\.\d+)?m?$/); // a CPU quantity, not merely present
			}
		}
	});

	it("protects every node kind with a PodDisruptionBudget and spreads it over zones and nodes", () => {
		for (const overlay of OVERLAYS) {
			for (const d of deployments(overlay)) {
				const labels = d.spec.template.metadata.labels;
				const budgets = ofKind(overlay, "PodDisruptionBudget").filter((p) => matches(p.spec.selector.matchLabels, labels));
				expect(budgets).toHaveLength(1);
				const spread = d.spec.template.spec.topologySpreadConstraints ?? [];
				expect(spread.map((s) => s.topologyKey).sort()).toEqual(["kubernetes.io/hostname", "topology.kubernetes.io/zone"]);
				for (const s of spread) expect(s.labelSelector.matchLabels).toEqual(d.spec.selector.matchLabels);
			}
		}
	});

	it("scales gateways, orders and state on CPU, listeners on their group's lag up to the partitions, and leaves the relay at two", () => {
		const target = (name: string) => deployments("production").find((d) => d.metadata.name === name);
		const cpuScaled = ofKind("production", "HorizontalPodAutoscaler").map((h) => {
			expect(h.spec.metrics?.map((m) => m.resource?.name)).toEqual(["cpu"]);
			expect(h.spec.minReplicas).toBeGreaterThanOrEqual(2);
			return servicesOf("production", target(h.spec.scaleTargetRef.name)!).join(",");
		});
		expect(cpuScaled.sort()).toEqual(["api-gateway", "grpc-gateway", "orders", "state"]);
		const lagScaled = ofKind("production", "ScaledObject").map((s) => {
			const listener = target(s.spec.scaleTargetRef.name)!;
			const [service] = servicesOf("production", listener);
			const cfg = configOf("production", node(listener));
			const topic = service === "reserve-listener" ? "reserve" : "payment";
			expect(s.spec.triggers).toEqual([
				{
					type: "kafka",
					metadata: expect.objectContaining({
						bootstrapServers: cfg.kafkaBrokers?.join(","),
						topic: cfg.topics[topic],
						consumerGroup: cfg.groups[topic],
						offsetResetPolicy: cfg.consumerStart,
						allowIdleConsumers: "false",
					}),
				},
			]);
			// `npm run topics` creates KAFKA_PARTITIONS partitions with the same settings.
			expect(s.spec.maxReplicaCount).toBeLessThanOrEqual(cfg.kafkaPartitions);
			expect(s.spec.minReplicaCount).toBeGreaterThanOrEqual(1); // the parked-message sweep runs in a listener
			return service;
		});
		expect(lagScaled.sort()).toEqual(["payment-listener", "reserve-listener"]);
		const relay = deployments("production").find((d) => servicesOf("production", d).join(",") === "outbox-relay");
		expect(relay?.spec.replicas).toBe(2);
	});

	it("scrapes METRICS_PORT and alerts only on metrics the code exports, with every documented rule", () => {
		const [monitor] = ofKind("prometheus-operator", "PodMonitor");
		expect(monitor.spec.podMetricsEndpoints).toEqual([expect.objectContaining({ port: "metrics", path: "/metrics" })]);
		const exported = new Set(Object.values(SAGA_METRICS).flatMap((name) => {
			const base = name.replace(/\./g, "_");
			return [base, `${base}_bucket`, `${base}_count`, `${base}_sum`];
		}));
		const [rule] = ofKind("prometheus-operator", "PrometheusRule");
		const rules = rule.spec.groups?.flatMap((g) => g.rules) ?? [];
		// Recording rules' own names (orders:...) are not metrics of the code.
		const used = rules.flatMap((r) => r.expr.match(/(?<![:\w])orders_[a-z_]+/g) ?? []);
		expect(used.filter((name) => !exported.has(name))).toEqual([]);
		// The example rules of docs/kafka-behaviour.md, as written there.
		const documented = parse(/```yaml\n(groups:[\s\S]*?)```/.exec(read("docs/kafka-behaviour.md"))?.[1] ?? "") as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> };
		for (const doc of documented.groups.flatMap((g) => g.rules)) expect(rules).toContainEqual(expect.objectContaining({ alert: doc.alert, expr: doc.expr }));
		// The stuck-order rules of docs/alerts/orders.rules.yml, alerts and recording rules alike.
		const stuck = parse(read("docs/alerts/orders.rules.yml")) as { groups: Array<{ rules: Array<{ alert?: string; record?: string; expr: string }> }> };
		for (const doc of stuck.groups.flatMap((g) => g.rules)) expect(rules).toContainEqual(expect.objectContaining(doc.alert ? { alert: doc.alert, expr: doc.expr } : { record: doc.record, expr: doc.expr }));
	});
});
