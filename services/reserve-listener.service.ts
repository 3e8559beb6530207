/** Turns `reserve` messages into RESERVE_CREATED / RESERVE_FAILED. */
import type { ServiceSchema } from "moleculer";
import { reserveStates } from "../domain/saga-message";
import { config } from "../lib/platform/config";
import { KafkaListener } from "../mixins/kafka-listener.mixin";

const ReserveListener: ServiceSchema = {
	name: "reserve-listener",
	mixins: [KafkaListener({ topic: config().topics.reserve, group: config().groups.reserve, mapping: reserveStates })],
};

export default ReserveListener;
