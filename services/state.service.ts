import type { ServiceSchema } from "moleculer";

const Service: ServiceSchema = { name: "state" };

export default Service;
