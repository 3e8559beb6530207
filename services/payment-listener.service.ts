/** Turns `payment` messages into PAYMENT_CREATED / PAYMENT_FAILED / PAYMENT_COMPLETED. */
import type { ServiceSchema } from "moleculer";
import { paymentStates } from "../domain/saga-message";
import { KafkaListener, type KafkaListenerSettings } from "../mixins/kafka-listener.mixin";

/** `settings.listener` names the topic and the group (wiring/service-settings.ts). */
const PaymentListener: ServiceSchema<KafkaListenerSettings> = {
	name: "payment-listener",
	mixins: [KafkaListener(paymentStates)],
};

export default PaymentListener;
