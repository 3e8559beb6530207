/**
 * `npm run import-go` as a user meets it: a dry run that writes nothing, and
 * one clear line (never a stack trace) for an unreachable URL, a database
 * without the Go tables, a target without this service's schema, bad arguments.
 */
import { Client } from "pg";
import { dropDatabase, emptyDatabase, goDatabase, migratedDatabase } from "../support/go-database";
import { runImportGo, tableFingerprint } from "../support/import-go-cli";

jest.setTimeout(120_000);

let go: Awaited<ReturnType<typeof goDatabase>>;
const dropped: string[] = [];

beforeAll(async () => {
	go = await goDatabase(120);
	dropped.push(go.name);
});

afterAll(async () => {
	for (const name of dropped) await dropDatabase(name);
});

/** The run failed with exactly this one line and nothing on stdout. */
function expectOneLine(run: { code: number | null; stdout: string; stderr: string }, line: RegExp): void {
	expect({ code: run.code, stdout: run.stdout, lines: run.stderr.trimEnd().split("\n") }).toEqual({ code: 1, stdout: "", lines: [expect.stringMatching(line)] });
}

it("--dry-run reports what it would do and writes nothing", async () => {
	const target = await migratedDatabase("import_go_dry");
	dropped.push(target.name);
	const before = await tableFingerprint(target.url);
	const run = await runImportGo(["--from", go.url, "--to", target.url, "--dry-run"]);
	expect(run.code).toBe(0);
	expect(run.stdout).toMatch(new RegExp(`^dry run, nothing written: ${go.expected.size} Go orders read`));
	const wouldImport = [...go.expected.values()].filter((e) => e !== null).length;
	expect(run.stdout).toContain(`${wouldImport} orders would be imported`);
	expect(run.report).toMatchObject({ dryRun: true, imported: wouldImport });
	expect(await tableFingerprint(target.url)).toEqual(before);
});

it("--dry-run into a database without this service's schema says to migrate it", async () => {
	const target = await emptyDatabase("import_go_bare");
	dropped.push(target.name);
	expectOneLine(await runImportGo(["--from", go.url, "--to", target.url, "--dry-run"]), /^import-go: the target database has no orders tables yet: run `npm run migrate` first$/);
});

it("an unreachable URL: one line naming it without its password", async () => {
	const run = await runImportGo(["--from", "postgres://go:secret@127.0.0.1:1/orders", "--dry-run"]);
	expectOneLine(run, /^import-go: cannot connect to postgres:\/\/go@127\.0\.0\.1:1\/orders: \S/);
	expect(run.stderr).not.toContain("secret");
});

it("a database without the Go tables: one line naming the missing ones", async () => {
	const empty = await emptyDatabase("import_go_empty");
	dropped.push(empty.name);
	const run = await runImportGo(["--from", empty.url, "--dry-run"]);
	expectOneLine(run, /^import-go: \S+ is not a Go orders database: no table "order", "product", "state", "event"$/);

	const partial = new Client({ connectionString: empty.url });
	await partial.connect();
	await partial.query(`CREATE TABLE "order" (id bigserial PRIMARY KEY); CREATE TABLE product (id int); CREATE TABLE state (id int)`).finally(() => partial.end());
	expectOneLine(await runImportGo(["--from", empty.url, "--dry-run"]), /: no table "event"$/);
});

it.each([
	[[], "--from <Go database URL> is required"],
	[["--from", "postgres://127.0.0.1/go", "--nope"], "Unknown option '--nope'"],
])("bad arguments %j: the usage, exit code 2", async (args, complaint) => {
	const run = await runImportGo(args);
	expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 2, stdout: "" });
	const [first, usage] = run.stderr.split("\n");
	expect({ first, usage }).toEqual({ first: expect.stringContaining(`import-go: ${complaint}`), usage: expect.stringMatching(/^usage: npm run import-go -- \[options\] \(--help for the options\)$/) });
});
