/**
 * The `orders` table as a Sequelize model, for DbMixin (moleculer-db). The
 * service itself writes and reads with SQL in one transaction
 * (lib/orders/orders-repository.ts); the schema comes from migrations/ only.
 */
import { DataTypes, type Model, type ModelStatic, type Sequelize } from "sequelize";

export function defineOrderModel(sequelize: Sequelize): ModelStatic<Model> {
	return sequelize.define(
		"Order",
		{
			order_id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
			user_id: { type: DataTypes.BIGINT, allowNull: false },
			description: { type: DataTypes.TEXT, allowNull: false },
			state: { type: DataTypes.TEXT, allowNull: false },
			created_at: { type: DataTypes.DATE, allowNull: false },
		},
		{ tableName: "orders", timestamps: false },
	);
}
