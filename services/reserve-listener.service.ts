import type { ServiceSchema } from "moleculer";

const Service: ServiceSchema = { name: "reserve-listener" };

export default Service;
