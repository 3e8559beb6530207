/**
 * `npm run migrate` creates the database when missing and applies every pending
 * migration; `npm run migrate -- down` reverts the last applied one. `npm start`
 * migrates by itself: this is for the Docker Compose migration step and for
 * working on a migration.
 */
import { config } from "../lib/platform/config/config";
import { createSequelize, ensureDatabase } from "../lib/platform/clients/database";
import { createMigrator, migrateUp } from "../lib/platform/startup/migrations";
import { checkPostgres } from "../lib/platform/startup/preflight";
import { readCommandLine } from "./command-line";

const COMMAND = {
	command: "npm run migrate --",
	summary: "up (default): creates the database when missing and applies every pending migration; down: reverts the last applied one.",
	options: {},
	positionals: { words: "up|down", allowed: ["up", "down"] },
} as const;

async function main(command: string): Promise<void> {
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
	}
}

main(readCommandLine(COMMAND).positionals[0] ?? "up").catch((err: Error) => {
	console.error(`migrate: ${err.name === "Error" ? "" : `${err.name}: `}${err.message.split("\n")[0]}`);
	process.exit(1);
});
