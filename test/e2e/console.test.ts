/**
 * The operator console in a real browser (Chromium through playwright-core),
 * against a node running every service over the real PostgreSQL, Redis and
 * Kafka: orders are created over REST and the saga is answered on Kafka, then
 * everything is checked from the page. A second gateway node with
 * authentication on shows nothing without an operator token. Stuck orders and
 * dead letters come from their own stores; a dead letter is redriven from the
 * page. The screenshots
 * of docs/console.md are taken here.
 */
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import type { ServiceBroker } from "moleculer";
import type { Producer } from "kafkajs";
import type { Page, Request } from "playwright-core";
import { ALL_SERVICES, kafkaBrokers, loadConfig } from "../../lib/platform/config/config";
import { contractTopics, createKafka, ensureTopics } from "../../lib/platform/clients/kafka";
import { projectRoot } from "../../lib/platform/config/project-root";
import { encodeSagaMessage } from "../../domain/saga-message";
import { freePort } from "../../dev/cluster/ports";
import { startNode } from "../support/cluster";
import { launchBrowser, type TestBrowser } from "../support/browser";
import { AUTH_SECRET, OPERATOR, token } from "../support/tokens";
import { waitFor } from "../support/wait";
import { randomUserId } from "./rest-support";

const run = randomUUID().slice(0, 8);
const topics = { ORDER_TOPIC: `console-${run}-order`, RESERVE_TOPIC: `console-${run}-reserve`, PAYMENT_TOPIC: `console-${run}-payment` };
const screenshot = (page: Page, name: string) => page.screenshot({ path: join(projectRoot(), "docs", "console", `${name}.png`), fullPage: true });

let node: ServiceBroker;
let authGateway: ServiceBroker;
let site: string;
let authSite: string;
let producer: Producer;
let browser: TestBrowser;
const user = randomUserId();

beforeAll(async () => {
	const [port, authPort] = [await freePort(), await freePort()];
	site = `http://127.0.0.1:${port}`;
	authSite = `http://127.0.0.1:${authPort}`;
	const cfg = loadConfig({ ...process.env, ...topics });
	const kafka = createKafka(kafkaBrokers(cfg), `console-${run}`);
	await ensureTopics(kafka, contractTopics(cfg), 2);
	// Parked messages are dead-lettered after 1 s; an order waiting for its payment is stuck after 1 s.
	const common = { ...topics, GRPC_PORT: "0", METRICS: "off", OUT_OF_ORDER_WINDOW_MS: "1000", STUCK_AFTER_PAYMENT_CREATED_MS: "1000" };
	node = await startNode([...ALL_SERVICES], { ...common, PORT: String(port), NODE_ID: `console-${run}-all` });
	authGateway = await startNode(["api-gateway"], { ...common, PORT: String(authPort), NODE_ID: `console-${run}-auth`, AUTH_JWT_SECRET: AUTH_SECRET });
	delete process.env.AUTH_JWT_SECRET;
	await authGateway.waitForServices(["orders"]);
	producer = kafka.producer();
	await producer.connect();
	browser = await launchBrowser();
}, 120_000);

// A test that failed half-way leaves no page refreshing itself into the next test.
afterEach(async () => {
	await Promise.all(browser?.context.pages().map((page) => page.close()) ?? []);
});

afterAll(async () => {
	await browser?.close();
	await producer?.disconnect();
	await authGateway?.stop();
	await node?.stop();
});

async function createOrder(): Promise<number> {
	const body = { user_id: user, description: "console test", order_products: [{ product_id: 3, count: 1 }] };
	const res = await fetch(`${site}/api/orders`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
	expect(res.status).toBe(201);
	return ((await res.json()) as { order_id: number }).order_id;
}

const answer = (topic: string, orderId: number, status: string) =>
	producer.send({ topic, acks: -1, messages: [{ key: String(orderId), value: encodeSagaMessage({ idempotent_key: randomUUID(), order_id: orderId, status }) }] });

async function states(orderId: number): Promise<Array<{ state: string; time: string }>> {
	const res = await fetch(`${site}/api/orders/${orderId}/states`);
	return ((await res.json()) as { order_states: Array<{ state: string; time: string }> }).order_states;
}

/** Answers the saga up to PAYMENT_COMPLETED, waiting for each state (the next one is refused before it). */
async function complete(orderId: number): Promise<void> {
	const steps: Array<[string, string, string]> = [
		[topics.RESERVE_TOPIC, "CREATED", "RESERVE_CREATED"],
		[topics.PAYMENT_TOPIC, "CREATED", "PAYMENT_CREATED"],
		[topics.PAYMENT_TOPIC, "COMPLETED", "PAYMENT_COMPLETED"],
	];
	for (const [topic, status, state] of steps) {
		await answer(topic, orderId, status);
		await waitFor(async () => ((await states(orderId)).some((s) => s.state === state) ? true : undefined), `${state} of order ${orderId}`);
	}
}

const numberIn = async (page: Page, selector: string) => Number(await page.textContent(selector));

describe("the console with authentication off", () => {
	it("overview: the counters and the chart move by themselves as orders are created and complete", async () => {
		const page = await browser.page();
		await page.goto(`${site}/console`);
		await page.waitForSelector("#created-total");
		await page.waitForSelector("#chart canvas");
		const created = await numberIn(page, "#created-total");
		const completed = await numberIn(page, "#completed-total");
		const chartBefore = await page.getAttribute("#per-minute", "data-series");
		const orders = [await createOrder(), await createOrder(), await createOrder()];
		await Promise.all(orders.map(complete));
		// No reload: the fragment refreshes itself every 2 s.
		const count = (id: string) => `Number(document.querySelector("#${id}")?.textContent)`;
		await page.waitForFunction(`${count("created-total")} >= ${created + 3} && ${count("completed-total")} >= ${completed + 3}`, undefined, { timeout: 20_000 });
		expect(await page.getAttribute("#per-minute", "data-series")).not.toBe(chartBefore);
		const series = JSON.parse((await page.getAttribute("#per-minute", "data-series")) as string) as { created: number[] };
		expect(series.created.at(-1)! + series.created.at(-2)!).toBeGreaterThanOrEqual(3);
		expect(await page.textContent("#overview")).toContain(`console-${run}-all`);
		expect(await page.textContent("#overview")).toContain(topics.RESERVE_TOPIC);
		await screenshot(page, "overview");
		await page.close();
	});

	it("timeline: the order's states in order, each at its recorded time, shown in the browser's zone with UTC on hover", async () => {
		const orderId = await createOrder();
		await complete(orderId);
		const recorded = await states(orderId);
		const page = await browser.page();
		await page.goto(`${site}/console/orders/${orderId}`);
		await page.waitForSelector("#states li:nth-child(4)");
		const shown = await page.$$eval("#states li", (items) =>
			items.map((li) => {
				const time = li.querySelector("time");
				const iso = time?.getAttribute("datetime") ?? "";
				return { state: li.getAttribute("data-state"), iso, text: time?.textContent, title: time?.getAttribute("title"), local: new Date(iso).toLocaleString() };
			}),
		);
		expect(shown.map((s) => s.state)).toEqual(["ORDER_CREATED", "RESERVE_CREATED", "PAYMENT_CREATED", "PAYMENT_COMPLETED"]);
		expect(shown.map((s) => s.iso)).toEqual(recorded.map((r) => r.time));
		for (const s of shown) {
			expect(s.text).toBe(s.local);
			expect(s.title).toBe(`${(s.iso as string).replace("T", " ").replace("Z", "")} UTC`);
		}
		expect(await page.textContent("#awaiting")).toContain("the saga ended (completed)");
		await page.waitForSelector("text=Order event (outbox)");
		expect(await page.textContent("#timeline")).toContain(topics.ORDER_TOPIC);
		// Each applied message with the topic it was read from.
		const applied = await page.$$eval("#applied tbody tr", (rows) => rows.map((r) => [r.children[0].textContent, r.children[1].textContent]));
		expect(applied).toEqual([
			["RESERVE_CREATED", topics.RESERVE_TOPIC],
			["PAYMENT_CREATED", topics.PAYMENT_TOPIC],
			["PAYMENT_COMPLETED", topics.PAYMENT_TOPIC],
		]);
		await screenshot(page, "timeline");
		await page.close();
	});

	it("orders: found by user and filtered by state, each linking to its timeline", async () => {
		const waiting = await createOrder();
		const page = await browser.page();
		await page.goto(`${site}/console/orders`);
		await page.fill("input[name=user_id]", String(user));
		await page.selectOption("select[name=state]", "ORDER_CREATED");
		await page.click("#order-search button[type=submit]");
		await page.waitForSelector(`#orders a[href="/console/orders/${waiting}"]`);
		const listed = await page.$$eval("#orders td:nth-child(3)", (cells) => cells.map((c) => c.textContent));
		expect(listed.length).toBeGreaterThan(0);
		expect(new Set(listed)).toEqual(new Set(["ORDER_CREATED"]));
		await screenshot(page, "orders");
		await page.click(`#orders a[href="/console/orders/${waiting}"]`);
		await page.waitForSelector("#awaiting");
		expect(await page.textContent("#awaiting")).toContain(`the reserve answer (CREATED or FAILED) on topic ${topics.RESERVE_TOPIC}`);
		await page.close();
	});

	it("stuck orders: an order waiting for its payment past the deadline is listed with what it awaits, and counted on the overview", async () => {
		const orderId = await createOrder();
		await answer(topics.RESERVE_TOPIC, orderId, "CREATED");
		await answer(topics.PAYMENT_TOPIC, orderId, "CREATED");
		await waitFor(async () => ((await states(orderId)).some((s) => s.state === "PAYMENT_CREATED") ? true : undefined), `PAYMENT_CREATED of order ${orderId}`);
		const page = await browser.page();
		await page.goto(`${site}/console/stuck`);
		await page.waitForSelector("#stuck table, #stuck p.muted:not(:has-text('Loading'))");
		await page.selectOption("#stuck-filter select[name=state]", "PAYMENT_CREATED");
		const filtered = () => Promise.all([page.waitForResponse((r) => r.url().includes("/console/fragments/stuck?state=PAYMENT_CREATED")), page.click("#stuck-filter button[type=submit]")]);
		await filtered();
		const row = `#stuck tr[data-order="${orderId}"]`;
		// Oldest first: other tests' stuck orders may come before it, so the page's own "Next page" is followed.
		await waitFor(async () => {
			if (await page.$(row)) return true;
			const next = await page.$("#stuck button.next");
			if (next) await Promise.all([page.waitForResponse((r) => r.url().includes("/console/fragments/stuck")), next.click()]);
			else await filtered();
			return (await page.$(row)) ? true : undefined;
		}, `order ${orderId} on the stuck page`);
		const listedStates = await page.$$eval("#stuck td:nth-child(2)", (cells) => cells.map((c) => c.textContent));
		expect(new Set(listedStates)).toEqual(new Set(["PAYMENT_CREATED"]));
		expect(await page.textContent(`${row} td:nth-child(4)`)).toContain(`on topic ${topics.PAYMENT_TOPIC}`);
		await screenshot(page, "stuck");
		await page.goto(`${site}/console`);
		await page.waitForSelector('[data-stuck="PAYMENT_CREATED"]');
		expect(await numberIn(page, '[data-stuck="PAYMENT_CREATED"]')).toBeGreaterThanOrEqual(1);
		await page.close();
	});

	it("dead letters: a payment that came before its reserve is dead-lettered, redriven from the page after a confirmation, and its order moves on", async () => {
		const orderId = await createOrder();
		await answer(topics.PAYMENT_TOPIC, orderId, "CREATED"); // early: parked, then dead-lettered as out_of_order
		const page = await browser.page();
		await page.goto(`${site}/console/dead-letters`);
		await page.fill("#dead-letter-filter input[name=order_id]", String(orderId));
		const letter = `#dead-letters tr:has(a[href="/console/orders/${orderId}"])`;
		await waitFor(async () => {
			await Promise.all([page.waitForResponse((r) => r.url().includes("/console/fragments/dead-letters?")), page.click("#dead-letter-filter button[type=submit]")]);
			return (await page.$(letter)) ? true : undefined;
		}, `the dead letter of order ${orderId} on the page`);
		expect(await page.textContent(letter)).toContain("out_of_order");
		expect(await page.getAttribute(`${letter} time`, "datetime")).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
		await answer(topics.RESERVE_TOPIC, orderId, "CREATED");
		await waitFor(async () => ((await states(orderId)).some((s) => s.state === "RESERVE_CREATED") ? true : undefined), `RESERVE_CREATED of order ${orderId}`);
		await screenshot(page, "dead-letters");

		const confirmations: string[] = [];
		page.once("dialog", (dialog) => {
			confirmations.push(dialog.message());
			void dialog.accept();
		});
		await page.click(`${letter} button.redrive-one`);
		await page.waitForSelector("#redriven");
		expect(confirmations).toEqual([expect.stringContaining(`Redrive the letter ${topics.PAYMENT_TOPIC}`)]);
		expect(await page.textContent("#redriven")).toContain("applied");
		expect((await states(orderId)).map((s) => s.state)).toEqual(["ORDER_CREATED", "RESERVE_CREATED", "PAYMENT_CREATED"]);
		// The audit lists it (it refreshes every 5 s).
		await page.waitForSelector(`#redrives td:has-text("${topics.PAYMENT_TOPIC}")`, { timeout: 15_000 });
		await page.goto(`${site}/console/orders/${orderId}`);
		await page.waitForSelector('#states li[data-state="PAYMENT_CREATED"]');
		await page.close();
	});

	it("the browser logged no error on any page", () => {
		expect(browser.errors).toEqual([]);
	});
});

describe("the console with authentication on", () => {
	/** Every request the page makes for data (fragments), with its status. */
	async function openOverview(jwt?: string): Promise<{ page: Page; dataRequests: Request[] }> {
		const page = await browser.page();
		const dataRequests: Request[] = [];
		page.on("request", (req) => {
			if (req.url().includes("/console/fragments/")) dataRequests.push(req);
		});
		await page.goto(`${authSite}/console`);
		if (jwt) {
			await page.fill("#token", jwt);
			await Promise.all([page.waitForNavigation(), page.click("#token-form button[type=submit]")]);
		}
		return { page, dataRequests };
	}

	it("without a token: the page asks for one, loads no data and shows none", async () => {
		const { page, dataRequests } = await openOverview();
		await page.waitForSelector("#notice:not([hidden])");
		expect(await page.textContent("#notice")).toContain("orders:operator");
		expect(dataRequests).toEqual([]);
		expect(await page.$("#created-total")).toBeNull();
		const direct = await fetch(`${authSite}/console/fragments/overview`);
		expect(direct.status).toBe(401);
		await page.close();
	});

	it("with a user's token (not an operator): 403 and no data", async () => {
		const { page } = await openOverview(await token(user));
		await page.waitForSelector("#notice:not([hidden])");
		expect(await page.textContent("#notice")).toContain("orders:operator");
		expect(await page.$("#created-total")).toBeNull();
		await page.close();
	});

	it("its data routes: 401 without a token, 403 for a user's, 200 for an operator's", async () => {
		const orderId = await createOrder();
		const status = async (path: string, jwt?: string) => (await fetch(`${authSite}${path}`, { headers: jwt ? { authorization: `Bearer ${jwt}` } : {} })).status;
		for (const path of ["/api/overview", `/api/orders/${orderId}/timeline`, "/console/fragments/overview", `/console/fragments/orders/${orderId}/timeline`]) {
			expect([path, await status(path)]).toEqual([path, 401]);
			expect([path, await status(path, await token(user))]).toEqual([path, 403]);
			expect([path, await status(path, await token(undefined, { claims: OPERATOR }))]).toEqual([path, 200]);
		}
	});

	it("with an operator token: the overview", async () => {
		const errorsBefore = browser.errors.length;
		const { page } = await openOverview(await token(undefined, { claims: OPERATOR }));
		await page.waitForSelector("#created-total");
		expect(await numberIn(page, "#created-total")).toBeGreaterThan(0);
		expect(browser.errors.slice(errorsBefore)).toEqual([]);
		await page.close();
	});
});
