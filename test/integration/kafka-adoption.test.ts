/**
 * A local broker another process started (its pid file names a live process and
 * its port answers) is reused, said in one line with how to stop it, and left
 * running when this process stops. The "broker" is a live process and a
 * listening port, which is all adoption looks at; no Java broker is started.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { aliveProcess, startLocalKafka, type BrokerSite } from "../../dev/kafka-local";
import { freePort } from "../../dev/cluster/ports";

describe("a local Kafka broker started by another process", () => {
	let other: ChildProcess;
	let listener: Server;
	let site: BrokerSite;

	beforeAll(async () => {
		const port = await freePort();
		listener = createServer((socket) => socket.destroy());
		await new Promise<void>((done) => listener.listen(port, "127.0.0.1", done));
		other = spawn("sleep", ["300"], { stdio: "ignore" });
		site = { broker: `127.0.0.1:${port}`, controller: `127.0.0.1:${port + 1}`, home: mkdtempSync(join(tmpdir(), "faults-adopt-")) };
		writeFileSync(join(site.home, "broker.pid"), String(other.pid));
	});
	afterAll(async () => {
		other?.kill("SIGKILL");
		await new Promise((done) => listener?.close(done));
		rmSync(site.home, { recursive: true, force: true });
	});

	it("is reused with one line naming its pid and how to stop it, and outlives this process's stop", async () => {
		const kafka = await startLocalKafka(site);
		expect(kafka).toMatchObject({ brokers: [site.broker], owned: false });
		expect(kafka.adopted).toBe(`reusing a Kafka broker started by another process (pid ${other.pid}); stop it with \`npm run kafka -- stop\``);
		await kafka.stop();
		expect(aliveProcess(other.pid as number)).toBe(true);
	});
});
