/** Turns `reserve` messages into RESERVE_CREATED / RESERVE_FAILED. */
import type { ServiceSchema } from "moleculer";
import { reserveStates } from "../domain/saga-message";
import { KafkaListener, type KafkaListenerSettings } from "../mixins/kafka-listener.mixin";

/** `settings.listener` names the topic and the group (wiring/service-settings.ts). */
const ReserveListener: ServiceSchema<KafkaListenerSettings> = {
	name: "reserve-listener",
	mixins: [KafkaListener(reserveStates)],
};

export default ReserveListener;
