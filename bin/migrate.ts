/**
 * `npm run migrate` creates the database when missing and applies every pending
 * migration; `npm run migrate -- down` reverts the last applied one. `npm start`
 * migrates by itself: this is for the Docker Compose migration step and for
 * working on a migration.
 */
import { config } from "../lib/platform/config";
import { createSequelize, ensureDatabase } from "../lib/platform/database";
import { createMigrator, migrateUp } from "../lib/platform/migrations";
import { checkPostgres } from "../lib/platform/preflight";

async function main(command = "up"): Promise<void> {
	const { databaseUrl } = config();
	await checkPostgres(databaseUrl);
	switch (command) {
		case "up": {
			await ensureDatabase(databaseUrl);
			const applied = await migrateUp(databaseUrl);
			console.log(applied.length > 0 ? `migrations applied: ${applied.join(", ")}` : "the database is up to date");
			return;
		}
		case "down": {
			const sequelize = createSequelize(databaseUrl, 1);
			try {
				const reverted = await createMigrator(sequelize).down();
				console.log(reverted.length > 0 ? `migration reverted: ${reverted.map((m) => m.name).join(", ")}` : "no migration to revert");
			} finally {
				await sequelize.close();
			}
			return;
		}
		default:
			console.error("usage: npm run migrate [-- up|down]");
			process.exitCode = 2;
	}
}

main(process.argv[2]).catch((err: Error) => {
	console.error(`migrate: ${err.name === "Error" ? "" : `${err.name}: `}${err.message.split("\n")[0]}`);
	process.exit(1);
});
