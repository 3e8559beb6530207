/** The project's import graph (relative imports between its own .ts files), read with TypeScript's own parser. */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

const ROOT = resolve(__dirname, "..", "..");
const SOURCE_DIRS = ["bin", "wiring", "lib", "domain", "services", "mixins", "dev"];
const SOURCE_FILES = ["moleculer.config.ts"];

function tsFiles(dir: string): string[] {
	if (!existsSync(dir)) return [];
	return readdirSync(dir).flatMap((name) => {
		const path = join(dir, name);
		if (statSync(path).isDirectory()) return name === "node_modules" ? [] : tsFiles(path);
		return name.endsWith(".ts") && !name.endsWith(".d.ts") ? [path] : [];
	});
}

function resolveImport(from: string, spec: string): string | undefined {
	if (!spec.startsWith(".")) return undefined;
	const base = resolve(dirname(from), spec);
	return [`${base}.ts`, join(base, "index.ts")].find(existsSync);
}

/** Type-only imports vanish from the compiled code, so they cannot make a circle at run time. */
function isTypeOnly(node: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
	if (ts.isExportDeclaration(node)) return node.isTypeOnly;
	const clause = node.importClause;
	if (!clause) return false;
	if (clause.isTypeOnly) return true;
	const named = clause.namedBindings;
	return !clause.name && named !== undefined && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
}

/** The modules a file imports: every one, or only those it needs at run time. */
function importsOf(file: string, runtimeOnly: boolean): string[] {
	const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest);
	const specs: string[] = [];
	for (const node of source.statements) {
		if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
			if (!(runtimeOnly && isTypeOnly(node))) specs.push(node.moduleSpecifier.text);
		}
	}
	return specs;
}

/** Each source file (relative to the project root) with the project files it imports (all, or those needed at run time). */
export function importGraph({ runtimeOnly = false } = {}): Map<string, string[]> {
	const files = [...SOURCE_DIRS.flatMap((dir) => tsFiles(join(ROOT, dir))), ...SOURCE_FILES.map((file) => join(ROOT, file))];
	const graph = new Map<string, string[]>();
	for (const file of files) {
		const targets = importsOf(file, runtimeOnly)
			.map((spec) => resolveImport(file, spec)).filter((target): target is string => target !== undefined);
		graph.set(relative(ROOT, file), targets.map((target) => relative(ROOT, target)));
	}
	return graph;
}

/** Every import circle, each as the files along it (first file repeated at the end). */
export function importCircles(graph: Map<string, string[]>): string[][] {
	const circles: string[][] = [];
	const done = new Set<string>();
	const path: string[] = [];
	const onPath = new Set<string>();
	const visit = (file: string): void => {
		if (onPath.has(file)) {
			circles.push([...path.slice(path.indexOf(file)), file]);
			return;
		}
		if (done.has(file)) return;
		onPath.add(file);
		path.push(file);
		for (const next of graph.get(file) ?? []) visit(next);
		path.pop();
		onPath.delete(file);
		done.add(file);
	};
	for (const file of graph.keys()) visit(file);
	return circles;
}
