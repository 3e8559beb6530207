import type { ServiceSchema } from "moleculer";

const Service: ServiceSchema = { name: "payment-listener" };

export default Service;
