import type { ServiceSchema } from "moleculer";

const Service: ServiceSchema = { name: "outbox-relay" };

export default Service;
