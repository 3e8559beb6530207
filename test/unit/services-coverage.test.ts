/**
 * Every action of every service, every REST route and every gRPC method is
 * exercised by a unit test of its own service (test/unit/services/<service>*.test.ts):
 * an action added without one fails here. "Exercised" is read from the test's
 * text: the action called by name (`"state.redrive"`), the route requested by
 * its full path (`"/api/dead-letters"`), the gRPC method called on the client
 * (`.GetOrder(`). A peer's mock in another service's test does not count.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ServiceBroker, Service, type ServiceSchema } from "moleculer";
import type { ApiRouteSchema } from "moleculer-web";
import { projectRoot } from "../../lib/platform/config/project-root";

const SERVICES_DIR = join(projectRoot(), "services");
const TESTS_DIR = join(projectRoot(), "test/unit/services");

/**
 * moleculer-web's own actions, behind no route: `rest`, its request handler, which every HTTP
 * test goes through; `listAliases`, `addRoute` and `removeRoute`, which nothing in the project calls.
 */
const MOLECULER_WEB_ACTIONS = new Set(["api-gateway.rest", "api-gateway.listAliases", "api-gateway.addRoute", "api-gateway.removeRoute"]);

/** Each service's schema and the file it is in. */
function schemas(): Array<{ file: string; schema: ServiceSchema }> {
	return readdirSync(SERVICES_DIR)
		.filter((file) => file.endsWith(".service.ts"))
		.map((file) => ({ file: file.replace(/\.ts$/, ""), schema: (jest.requireActual(join(SERVICES_DIR, file)) as { default: ServiceSchema }).default }));
}

/** The service's actions with its mixins', as the broker would register them (moleculer-db's CRUD actions are turned off). */
function actionsOf(schema: ServiceSchema): string[] {
	const broker = new ServiceBroker({ logger: false });
	const merged = new Service(broker).applyMixins(schema) as ServiceSchema;
	return Object.entries(merged.actions ?? {})
		.filter(([, action]) => action !== false)
		.map(([name]) => `${schema.name}.${name}`);
}

/** The text of the unit tests that start the service (they import its file). */
function testsOf(serviceFile: string): string {
	const texts = readdirSync(TESTS_DIR).map((file) => readFileSync(join(TESTS_DIR, file), "utf8"));
	return texts.filter((text) => text.includes(`from "../../../services/${serviceFile}"`)).join("\n");
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Each route's full paths, a path parameter standing for any segment. */
function routePaths(routes: ApiRouteSchema[]): Array<{ route: string; pattern: RegExp }> {
	return routes.flatMap((route) =>
		Object.keys(route.aliases ?? {}).map((alias) => {
			const path = `${route.path ?? ""}${alias.replace(/^[A-Z]+ /, "")}`.replace(/\/$/, "");
			const pattern = escape(path).replace(/:[a-z_]+/g, '[^/"?]+');
			// The whole path, ending where the string or its query ends: /orders does not count for /orders/:id.
			return { route: `${alias} on ${route.path}`, pattern: new RegExp(`["'\`]${pattern}["'?\`]`) };
		}),
	);
}

const services = schemas();

it("finds the services, each started by a unit test", () => {
	expect(services.map(({ schema }) => schema.name).sort()).toEqual(expect.arrayContaining(["api-gateway", "grpc-gateway", "orders", "outbox-relay", "state"]));
	expect(services.filter(({ file }) => testsOf(file) === "").map(({ file }) => file)).toEqual([]);
});

describe.each(services.map(({ file, schema }) => [String(schema.name), file, schema] as const))("%s", (service, file, schema) => {
	const tests = testsOf(file);
	const actions = actionsOf(schema).filter((action) => !MOLECULER_WEB_ACTIONS.has(action));

	if (service === "grpc-gateway") {
		it("has every gRPC method called on a client in its unit tests", () => {
			const methods = actions.map((action) => action.slice(service.length + 1));
			expect(methods.length).toBeGreaterThan(0);
			expect(methods.filter((method) => !tests.includes(`.${method}(`))).toEqual([]);
		});
	} else if (service === "api-gateway") {
		const routes = ((schema.settings as { routes?: ApiRouteSchema[] } | undefined)?.routes ?? []);

		it("has every route requested by its full path in its unit tests", () => {
			const paths = routePaths(routes);
			expect(paths.length).toBeGreaterThan(0);
			expect(paths.filter(({ pattern }) => !pattern.test(tests)).map(({ route }) => route)).toEqual([]);
		});

		it("has each of its own actions behind a route", () => {
			const routed = new Set(routes.flatMap((r) => Object.values(r.aliases ?? {})));
			expect(actions.filter((action) => !routed.has(action))).toEqual([]);
		});
	} else {
		it("has every action called by name in its unit tests", () => {
			expect(actions.filter((action) => !tests.includes(`"${action}"`))).toEqual([]);
		});
	}
});
