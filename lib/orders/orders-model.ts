/**
 * The `orders` table as moleculer-db's model of the orders service, column for
 * column as migrations/0001_init.up.sql creates it (never sync()ed). The
 * service reads one order and lists through it; the create transaction is SQL
 * (lib/orders/orders-repository.ts).
 */
import { DataTypes } from "sequelize";
import { ORDER_STATES } from "../../domain/order-state";
import type { ModelDefinition } from "../platform/clients/moleculer-db";

export const ORDER_MODEL: ModelDefinition = {
	name: "Order",
	define: {
		order_id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
		user_id: { type: DataTypes.BIGINT, allowNull: false },
		description: { type: DataTypes.TEXT, allowNull: false, defaultValue: "" },
		state: { type: DataTypes.ENUM(...ORDER_STATES), allowNull: false, defaultValue: "ORDER_CREATED" },
		idempotency_key: { type: DataTypes.TEXT, unique: true },
		request_hash: { type: DataTypes.TEXT },
		created_at: { type: DataTypes.DATE, allowNull: false },
		updated_at: { type: DataTypes.DATE, allowNull: false },
	},
	options: { tableName: "orders", timestamps: false },
};
