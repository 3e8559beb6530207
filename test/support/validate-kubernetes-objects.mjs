/**
 * Validates Kubernetes objects against their schemas, offline: the Kubernetes API
 * (kubernetes-models), KEDA (@kubernetes-models/keda) and the Prometheus Operator
 * (@kubernetes-models/prometheus-operator). Those packages are ES modules only, which
 * jest's CommonJS runtime cannot load, so test/tooling/kubernetes-manifests.test.ts runs
 * this file in a node process of its own: a JSON array of objects on stdin, a JSON
 * array of { object, error } on stdout (error null when valid). An apiVersion no
 * package covers is an error, never a skip.
 */
import { readFileSync } from "node:fs";
import { stdout } from "node:process";

/** API group -> the package holding its models. The core group ("v1") has no name. */
const PACKAGES = {
	"": "kubernetes-models",
	apps: "kubernetes-models",
	batch: "kubernetes-models",
	policy: "kubernetes-models",
	autoscaling: "kubernetes-models",
	"keda.sh": "@kubernetes-models/keda",
	"monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
};

async function validate(object) {
	const [group, version] = object.apiVersion.includes("/") ? object.apiVersion.split("/") : ["", object.apiVersion];
	const pkg = PACKAGES[group];
	if (!pkg) return `no schema for ${object.apiVersion} ${object.kind}`;
	const path = group ? `${pkg}/${group}/${version}/${object.kind}` : `${pkg}/${version}/${object.kind}`;
	let Model;
	try {
		Model = (await import(path))[object.kind];
	} catch {
		return `no schema for ${object.apiVersion} ${object.kind}`;
	}
	try {
		new Model(object).validate();
		return null;
	} catch (err) {
		return err.message;
	}
}

const objects = JSON.parse(readFileSync(0, "utf8"));
const results = [];
for (const object of objects) results.push({ object: `${object.kind}/${object.metadata?.name}`, error: await validate(object) });
stdout.write(JSON.stringify(results));
