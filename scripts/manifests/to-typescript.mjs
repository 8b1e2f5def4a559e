// Writes manifests.ts: each Kubernetes document of the given YAML files as an object literal typed with
// its kind's API type from kubernetes-models, so that `tsc --strict` reports every unknown field (an
// object literal's excess property) and every wrong type, as the API server would refuse them.
import { readFileSync, writeFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

let out = "";
let n = 0;
for (const file of process.argv.slice(2)) {
  for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0].message}`);
    const o = doc.toJS();
    if (o === null) continue;
    if (!o.apiVersion || !o.kind) throw new Error(`${file}: a document without apiVersion and kind`);
    // kubernetes-models' module path is the apiVersion and the kind ("apps/v1/DaemonSet"); an unknown kind
    // is a tsc error (no such module).
    const module = `${o.apiVersion}/${o.kind}`;
    out += `import type { I${o.kind} as T${n} } from "kubernetes-models/${module}";\n`;
    out += `// ${file}: ${o.kind} ${o.metadata?.name}\nexport const doc${n}: T${n} = ${JSON.stringify(o, null, 2)};\n`;
    console.log(`${o.kind} ${o.metadata?.name}`);
    n++;
  }
}
writeFileSync("manifests.ts", out);
