/** Turns `payment` messages into PAYMENT_CREATED / PAYMENT_FAILED / PAYMENT_COMPLETED. */
import type { ServiceSchema } from "moleculer";
import { paymentStates } from "../domain/saga-message";
import { config } from "../lib/platform/config";
import { KafkaListener } from "../mixins/kafka-listener.mixin";

const PaymentListener: ServiceSchema = {
	name: "payment-listener",
	mixins: [KafkaListener({ topic: config().topics.payment, group: config().groups.payment, mapping: paymentStates })],
};

export default PaymentListener;
