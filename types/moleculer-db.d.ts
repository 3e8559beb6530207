// moleculer-db ships no typings: the service mixin is all this project uses of it.
declare module "moleculer-db" {
	import type { ServiceSchema } from "moleculer";
	const DbService: ServiceSchema;
	export default DbService;
}
