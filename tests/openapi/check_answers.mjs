// Checks every answer the end-to-end suites received against web/openapi.json (ctest: openapi_answers).
//
//   node check_answers.mjs --spec web/openapi.json --answers build/answers.jsonl \
//        --node-modules tests/node/node_modules --min 500
//
// The suites append one JSON line per answer of an imgpipe server (tests/e2e/harness.cpp, when
// IMGPIPE_ANSWER_LOG is set): {method, path, status, content_type, headers, body_bytes, body}. Each
// answer is matched to its operation the way the router matches (empty segments ignored; a chain
// parameter marked x-imgpipe-greedy takes the rest of the path; literal paths before templates),
// then:
//   - its status must be one of that operation's responses (a method the path lacks: 405; no path
//     at all: 404, or a refusal that comes before routing: 400, 414, 431);
//   - its content type must be one the response lists (HEAD answers have no body to check);
//   - a JSON body must parse and pass the response's schema (Ajv, JSON Schema 2020-12, formats);
//   - every header the response marks required must be there, and every recorded header the
//     response describes must pass its schema.
// It fails on any mismatch, and when fewer than --min answers were recorded, so that a suite that
// stopped recording (or a log in the wrong place) cannot pass by checking nothing. It prints how
// many answers each route and status had.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

function args() {
    const out = { min: 1 };
    const argv = process.argv.slice(2);
    for (let i = 0; i < argv.length; i += 2) {
        const key = argv[i].replace(/^--/, "").replace(/-([a-z])/g, (_, c) => c.toUpperCase());
        out[key] = argv[i + 1];
    }
    for (const need of ["spec", "answers", "nodeModules"]) {
        if (!out[need]) throw new Error(`missing --${need}`);
    }
    out.min = Number(out.min);
    return out;
}

const opts = args();
// ajv lives in tests/node/node_modules, which is no ancestor of this file: load it from there.
const require = createRequire(path.join(path.resolve(opts.nodeModules), "index.js"));
const Ajv2020 = require("ajv/dist/2020").default;
const addFormats = require("ajv-formats").default;

const spec = JSON.parse(fs.readFileSync(opts.spec, "utf8"));
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
const SPEC_ID = "imgpipe-openapi.json";
ajv.addSchema(spec, SPEC_ID);

// Ajv's errors with what they concern: the extra property's name, the allowed values.
const explain = (errors) => errors.map((e) => `${e.instancePath || "/"} ${e.message}` +
    (e.params?.additionalProperty ? ` ('${e.params.additionalProperty}')` : "") +
    (e.params?.allowedValues ? ` (${JSON.stringify(e.params.allowedValues)})` : "")).join("; ");

const escape = (s) => s.replace(/~/g, "~0").replace(/\//g, "~1");
const pointer = (...parts) => "#/" + parts.map(escape).join("/");

// Follows a "$ref": "#/..." of a response, parameter or header; returns [node, its pointer].
function resolve(node, where) {
    while (node && node.$ref) {
        where = node.$ref;
        node = node.$ref.slice(2).split("/").reduce(
            (n, p) => n[p.replace(/~1/g, "/").replace(/~0/g, "~")], spec);
    }
    return [node, where];
}

const validators = new Map();
function validator(schemaPointer) {
    if (!validators.has(schemaPointer)) {
        const v = ajv.getSchema(SPEC_ID + schemaPointer);
        if (!v) throw new Error(`no schema at ${schemaPointer}`);
        validators.set(schemaPointer, v);
    }
    return validators.get(schemaPointer);
}

const segments = (p) => p.split("/").filter((s) => s.length > 0);

// The path templates, literal ones first (OpenAPI: concrete paths match before templated ones).
const templates = Object.entries(spec.paths).map(([template, item]) => {
    const greedy = new Set();
    for (const p of item.parameters ?? []) {
        const [param] = resolve(p);
        if (param.in === "path" && param["x-imgpipe-greedy"]) greedy.add(param.name);
    }
    const parts = segments(template);
    return { template, item, parts, greedy, literals: parts.filter((s) => !s.startsWith("{")).length };
}).sort((a, b) => b.literals - a.literals || a.parts.length - b.parts.length);

function match(urlPath) {
    const parts = segments(urlPath);
    for (const t of templates) {
        let i = 0;
        let ok = true;
        for (let k = 0; k < t.parts.length && ok; ++k) {
            const seg = t.parts[k];
            const param = seg.startsWith("{") ? seg.slice(1, -1) : null;
            if (i >= parts.length) ok = false;
            else if (!param) ok = parts[i++] === seg;
            else if (t.greedy.has(param) && k === t.parts.length - 1) i = parts.length;
            else ++i;
        }
        if (ok && i === parts.length) return t;
    }
    return null;
}

// The headers the harness records (keep in step with log_answer in tests/e2e/harness.cpp): only
// these can be checked for presence.
const RECORDED = new Set(["x-request-id", "etag", "cache-control", "vary", "location", "retry-after",
                          "www-authenticate", "allow", "accept-ranges", "content-range",
                          "access-control-allow-origin", "access-control-allow-methods",
                          "access-control-allow-headers", "access-control-max-age"]);

// Answers the server gives before (or instead of) finding a route.
const BEFORE_ROUTING = { 400: "BadRequest", 414: "UriTooLong", 431: "HeadersTooLarge" };

const lines = fs.existsSync(opts.answers)
    ? fs.readFileSync(opts.answers, "utf8").split("\n").filter((l) => l.trim())
    : [];
const failures = [];
const counts = new Map();
const fail = (a, why) => failures.push(`${a.method} ${a.path} -> ${a.status}: ${why}`);

for (const [n, line] of lines.entries()) {
    let a;
    try {
        a = JSON.parse(line);
    } catch {
        failures.push(`line ${n + 1} of the log is not JSON`);
        continue;
    }
    const urlPath = a.path.split("?")[0];
    const t = match(urlPath);
    const method = a.method.toLowerCase();
    const status = String(a.status);
    let response, where, label;
    if (!t) {
        label = "(no route)";
        const name = a.status === 404 ? "NotFound" : BEFORE_ROUTING[a.status];
        if (!name) { fail(a, "no path of the description matches"); continue; }
        [response, where] = resolve({ $ref: pointer("components", "responses", name) });
    } else if (!t.item[method]) {
        label = `${t.template} (${a.method} not listed)`;
        const name = a.status === 405 ? "MethodNotAllowed" : BEFORE_ROUTING[a.status];
        if (!name) { fail(a, `${t.template} has no ${a.method} operation and the answer is not a 405`); continue; }
        [response, where] = resolve({ $ref: pointer("components", "responses", name) });
    } else {
        label = `${a.method} ${t.template}`;
        const listed = t.item[method].responses[status];
        if (!listed) { fail(a, `${label} lists no ${status} answer`); continue; }
        [response, where] = resolve(listed, pointer("paths", t.template, method, "responses", status));
    }
    const key = `${label} ${status}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);

    // Headers: the required ones present, every recorded one the response describes valid.
    for (const [name, h] of Object.entries(response.headers ?? {})) {
        const [header, headerWhere] = resolve(h, `${where}/headers/${escape(name)}`);
        const value = a.headers?.[name.toLowerCase()];
        if (value === undefined) {
            if (header.required && RECORDED.has(name.toLowerCase())) fail(a, `no ${name} header`);
            continue;
        }
        const v = validator(`${headerWhere}/schema`);
        if (!v(value)) fail(a, `header ${name}: ${JSON.stringify(value)}: ${explain(v.errors)}`);
    }

    if (a.method === "HEAD" || a.status === 304) {
        if (a.body_bytes !== 0) fail(a, "a body on a HEAD or 304 answer");
        continue;
    }
    const content = response.content ?? {};
    if (Object.keys(content).length === 0) {
        if (a.body_bytes !== 0) fail(a, "a body where the description has none");
        continue;
    }
    const type = (a.content_type ?? "").split(";")[0].trim().toLowerCase();
    const media = Object.keys(content).find((m) => m === type ||
        (m.endsWith("/*") && type.startsWith(m.slice(0, -1))));
    if (!media) { fail(a, `content type '${a.content_type}' is not one of ${Object.keys(content).join(", ")}`); continue; }
    if (media !== "application/json") continue;
    let body;
    try {
        body = JSON.parse(a.body);
    } catch {
        fail(a, `the body is not JSON: ${String(a.body).slice(0, 200)}`);
        continue;
    }
    const v = validator(`${where}/content/${escape(media)}/schema`);
    if (!v(body)) {
        fail(a, `${explain(v.errors)}\n    ${JSON.stringify(body).slice(0, 300)}`);
    }
}

for (const [key, n] of [...counts.entries()].sort()) console.log(`${String(n).padStart(6)}  ${key}`);
console.log(`${lines.length} answers checked against ${opts.spec}: ${failures.length} failed`);
for (const f of failures.slice(0, 50)) console.log(`FAIL ${f}`);
if (failures.length > 50) console.log(`... and ${failures.length - 50} more`);
if (lines.length < opts.min) {
    console.log(`FAIL only ${lines.length} answers recorded, at least ${opts.min} expected ` +
                `(is IMGPIPE_ANSWER_LOG set for the end-to-end suites?)`);
    process.exit(1);
}
process.exit(failures.length ? 1 : 0);
