/**
 * Servers that demand credentials, started by a test in a temp directory and
 * removed after it: a PostgreSQL cluster that accepts only TLS connections with
 * a SCRAM password (the shared one trusts every local connection), and a Redis
 * with a password and an ACL user. PostgreSQL refuses to run as root, so the
 * cluster belongs to the `postgres` system user when the test runs as root.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import Redis from "ioredis";
import { freePort } from "../../dev/cluster/ports";

const PG_BIN = join("/usr/lib/postgresql", readdirSync("/usr/lib/postgresql").sort().at(-1) ?? "15", "bin");

export interface PrivatePostgres {
	port: number;
	/** postgres://<role>:<password>@127.0.0.1:<port>/<database>?sslmode=no-verify (a self-signed certificate). */
	url(password: string, database?: string): string;
	stop(): void;
}

/** Runs a PostgreSQL tool as the cluster's owner. */
function asOwner(owner: { uid: number; name: string } | null, tool: string, args: string[]): void {
	const command = join(PG_BIN, tool);
	if (!owner) execFileSync(command, args, { stdio: "pipe" });
	else execFileSync("runuser", ["-u", owner.name, "--", command, ...args], { stdio: "pipe" });
}

function postgresOwner(): { uid: number; gid: number; name: string } | null {
	if (userInfo().uid !== 0) return null;
	const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"]).toString().trim());
	return { uid: id("-u"), gid: id("-g"), name: "postgres" };
}

/** A cluster whose role `role` logs in with `password`, over TLS only. */
export async function startPrivatePostgres(role: string, password: string): Promise<PrivatePostgres> {
	const dir = mkdtempSync(join(tmpdir(), "security-pg-"));
	const owner = postgresOwner();
	const data = join(dir, "data");
	const port = await freePort();
	const own = (path: string) => owner && chownSync(path, owner.uid, owner.gid);
	own(dir);
	const superPassword = join(dir, "superpass");
	writeFileSync(superPassword, `${password}-super\n`);
	own(superPassword);
	asOwner(owner, "initdb", ["-D", data, "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256", `--pwfile=${superPassword}`]);
	// TLS with a throwaway self-signed certificate; plain TCP is not in pg_hba.conf at all.
	execFileSync("openssl", ["req", "-new", "-x509", "-days", "1", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", join(data, "server.key"), "-out", join(data, "server.crt")], { stdio: "pipe" });
	chmodSync(join(data, "server.key"), 0o600);
	own(join(data, "server.key"));
	own(join(data, "server.crt"));
	writeFileSync(join(data, "pg_hba.conf"), "local all all trust\nhostssl all all 127.0.0.1/32 scram-sha-256\n");
	own(join(data, "pg_hba.conf"));
	const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c ssl=on -c shared_buffers=16MB -c max_connections=40 -c fsync=off`;
	asOwner(owner, "pg_ctl", ["-D", data, "-o", options, "-l", join(dir, "server.log"), "-w", "start"]);
	const psql = (sql: string) => asOwner(owner, "psql", ["-h", dir, "-p", String(port), "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", sql]);
	psql(`CREATE ROLE "${role}" LOGIN CREATEDB PASSWORD '${password.replace(/'/g, "''")}'`);
	return {
		port,
		url: (pass, database = "orders") => `postgres://${role}:${encodeURIComponent(pass)}@127.0.0.1:${port}/${database}?sslmode=no-verify`,
		stop() {
			try {
				asOwner(owner, "pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
			} finally {
				rmSync(dir, { recursive: true, force: true });
			}
		},
	};
}

export interface PrivateRedis {
	port: number;
	/** redis://[user]:<password>@127.0.0.1:<port> */
	url(password: string, user?: string): string;
	stop(): Promise<void>;
}

/** A Redis that wants `password` (default user) or `aclPassword` for ACL user `aclUser`. */
export async function startPrivateRedis(password: string, aclUser: string, aclPassword: string): Promise<PrivateRedis> {
	const port = await freePort();
	const child: ChildProcess = spawn(
		"redis-server",
		["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--requirepass", password, "--user", aclUser, "on", `>${aclPassword}`, "~*", "&*", "+@all"],
		{ stdio: "ignore" },
	);
	const exited = new Promise((done) => child.once("exit", done));
	const stop = async () => {
		if (child.exitCode === null) child.kill("SIGTERM");
		await exited;
	};
	for (let attempt = 1; ; attempt++) {
		const probe = new Redis({ port, host: "127.0.0.1", password, lazyConnect: true, retryStrategy: () => null });
		probe.on("error", () => undefined);
		try {
			await probe.connect();
			await probe.ping();
			break;
		} catch (err) {
			if (attempt >= 50 || child.exitCode !== null) {
				await stop();
				throw err;
			}
			await new Promise((r) => setTimeout(r, 100));
		} finally {
			probe.disconnect();
		}
	}
	return { port, url: (pass, user = "") => `redis://${user}:${encodeURIComponent(pass)}@127.0.0.1:${port}`, stop };
}
