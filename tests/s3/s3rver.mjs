// The tests' S3 server: s3rver (npm, tests/node) on a loopback port, with one bucket, and what
// s3rver 3.7.1 lacks that the tests rely on (tests/s3/servers.py starts and stops it):
//
//   - SigV4 is checked here. s3rver checks only that the access key id exists: any signature, any
//     secret and unsigned requests pass. Every request must be signed (Authorization header or
//     presigned query) with this server's key and secret, for this region and service, within 15
//     minutes (presigned: before X-Amz-Expires); otherwise 403 with S3's error code.
//   - A PUT is checked against its Content-MD5 (400 BadDigest) and a hex x-amz-content-sha256
//     (400 XAmzContentSHA256Mismatch), and stored atomically: written to a temporary file and
//     renamed into place once on disk. s3rver writes into the object's own file, answers before
//     the last bytes reach it, and lets two writers of one key interleave.
//   - The HEAD of a bucket does not list the bucket (s3rver's does: slower with every object).
//   - `Range: bytes=0-0` is the first byte (s3rver sends the whole object).
//   - GET /-/stats answers {"connections": N, "requests": N} (what this process accepted so far;
//     no bucket name starts with "-"), so tests see connection reuse from the server's side.
//
//   node s3rver.mjs --node-modules DIR --port N --dir DATA_DIR --bucket NAME --region R
//                   --key KEY --secret SECRET
// Prints "s3rver listening on http://127.0.0.1:N" once it accepts requests; one line per request
// after that (method, target, status).
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { Transform } from "node:stream";
import { createRequire } from "node:module";

function args() {
    const out = {};
    const argv = process.argv.slice(2);
    for (let i = 0; i < argv.length; i += 2) {
        out[argv[i].replace(/^--/, "").replace(/-([a-z])/g, (_, c) => c.toUpperCase())] = argv[i + 1];
    }
    for (const need of ["nodeModules", "port", "dir", "bucket", "region", "key", "secret"]) {
        if (!out[need]) throw new Error(`missing --${need}`);
    }
    return out;
}

const opts = args();
// s3rver lives in tests/node/node_modules, which is no ancestor of this file: load it from there.
const require = createRequire(path.join(path.resolve(opts.nodeModules), "index.js"));
const S3rver = require("s3rver");
const FilesystemStore = require("s3rver/lib/stores/filesystem");
const S3Error = require("s3rver/lib/models/error");

const sha256 = (data) => crypto.createHash("sha256").update(data).digest("hex");
const hmac = (key, data) => crypto.createHmac("sha256", key).update(data).digest();
const rfc3986 = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
const decode = (s) => decodeURIComponent(s); // throws URIError on a malformed escape

// "20240102T030405Z" -> milliseconds since the epoch, NaN when malformed.
function amzTime(s) {
    const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s || "");
    return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : NaN;
}

// The SigV4 canonical request of `req` as S3 builds it: the path's segments decoded and encoded
// again, the query sorted (without the signature itself), the signed headers trimmed.
function canonicalRequest(req, signedHeaders, payloadHash, dropParam) {
    const [rawPath, rawQuery = ""] = req.url.split(/\?(.*)/s);
    const uri = rawPath.split("/").map((seg) => rfc3986(decode(seg))).join("/");
    const query = rawQuery.split("&").filter(Boolean)
        .map((pair) => {
            const [k, v = ""] = pair.split(/=(.*)/s);
            return [rfc3986(decode(k)), rfc3986(decode(v))];
        })
        .filter(([k]) => k !== dropParam)
        .sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0))
        .map(([k, v]) => `${k}=${v}`).join("&");
    const headers = signedHeaders.split(";")
        .map((h) => `${h}:${String(req.headers[h] ?? "").trim().replace(/\s+/g, " ")}\n`).join("");
    return [req.method, uri, query, headers, signedHeaders, payloadHash].join("\n");
}

// Why `req` is refused (an S3Error), or null when it is signed by our key.
function refusal(req) {
    const auth = req.headers.authorization;
    const query = new URLSearchParams(req.url.split(/\?(.*)/s)[1] || "");
    let credential, signedHeaders, signature, amzDate, payloadHash, dropParam;
    if (auth) {
        const m = /^AWS4-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/.exec(auth);
        if (!m) return new S3Error("AuthorizationHeaderMalformed", "only AWS4-HMAC-SHA256 authorization is accepted");
        [, credential, signedHeaders, signature] = m;
        amzDate = req.headers["x-amz-date"];
        payloadHash = req.headers["x-amz-content-sha256"];
        if (!payloadHash) return new S3Error("InvalidRequest", "Missing required header for this request: x-amz-content-sha256");
        if (Math.abs(Date.now() - amzTime(amzDate)) > 15 * 60 * 1000 || Number.isNaN(amzTime(amzDate))) {
            return new S3Error("RequestTimeTooSkewed", "The difference between the request time and the current time is too large.");
        }
    } else if (query.has("X-Amz-Algorithm")) {
        if (query.get("X-Amz-Algorithm") !== "AWS4-HMAC-SHA256") {
            return new S3Error("AuthorizationQueryParametersError", 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
        }
        credential = query.get("X-Amz-Credential") || "";
        signedHeaders = query.get("X-Amz-SignedHeaders") || "";
        signature = query.get("X-Amz-Signature") || "";
        amzDate = query.get("X-Amz-Date");
        payloadHash = "UNSIGNED-PAYLOAD";
        dropParam = "X-Amz-Signature";
        const expires = Number(query.get("X-Amz-Expires"));
        if (!(expires >= 1 && expires <= 604800) || Number.isNaN(amzTime(amzDate))) {
            return new S3Error("AuthorizationQueryParametersError", "X-Amz-Date and X-Amz-Expires (1 to 604800) are required");
        }
        if (Date.now() > amzTime(amzDate) + expires * 1000) return new S3Error("AccessDenied", "Request has expired");
    } else {
        return new S3Error("AccessDenied", "Access Denied (the request is not signed)");
    }
    const [key, day, region, service, terminator] = credential.split("/");
    if (key !== opts.key) {
        return new S3Error("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.");
    }
    if (day !== String(amzDate).slice(0, 8) || region !== opts.region || service !== "s3" || terminator !== "aws4_request") {
        return new S3Error("AuthorizationHeaderMalformed", `the credential scope must be <date>/${opts.region}/s3/aws4_request`);
    }
    if (!signedHeaders.split(";").includes("host")) {
        return new S3Error("AccessDenied", "the host header must be signed");
    }
    let canonical;
    try {
        canonical = canonicalRequest(req, signedHeaders, payloadHash, dropParam);
    } catch (e) {
        return new S3Error("InvalidURI", "Couldn't parse the specified URI.");
    }
    const stringToSign = ["AWS4-HMAC-SHA256", amzDate, credential.slice(key.length + 1), sha256(canonical)].join("\n");
    const signingKey = hmac(hmac(hmac(hmac("AWS4" + opts.secret, day), region), service), "aws4_request");
    const expected = hmac(signingKey, stringToSign).toString("hex");
    if (signature.length !== expected.length || !crypto.timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) {
        return new S3Error("SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. Check your key and signing method.");
    }
    return null;
}

// s3rver's putObject, checked and atomic (see the top of this file). `object.content` is the
// request itself for a PUT (s3rver's controller hands it over), so its headers are at hand.
let temporaries = 0;
FilesystemStore.prototype.putObject = async function putObject(object) {
    const objectPath = this.getResourcePath(object.bucket, object.key, "object");
    await fs.promises.mkdir(path.dirname(objectPath), { recursive: true });
    const temp = `${objectPath}.${process.pid}-${++temporaries}.partial`;
    const md5 = crypto.createHash("md5");
    const sha = crypto.createHash("sha256");
    let size = 0;
    const headers = object.content.headers || {};
    try {
        const source = Buffer.isBuffer(object.content) ? [object.content] : object.content;
        await pipeline(source, new Transform({
            transform(chunk, _, done) {
                md5.update(chunk);
                sha.update(chunk);
                size += chunk.length;
                done(null, chunk);
            },
        }), fs.createWriteStream(temp));
        const md5Raw = md5.digest();
        if (headers["content-md5"] && headers["content-md5"] !== md5Raw.toString("base64")) {
            throw new S3Error("BadDigest", "The Content-MD5 you specified did not match what we received.");
        }
        const claimed = headers["x-amz-content-sha256"];
        if (/^[0-9a-f]{64}$/i.test(claimed || "") && claimed.toLowerCase() !== sha.digest("hex")) {
            const e = new S3Error("XAmzContentSHA256Mismatch",
                "The provided 'x-amz-content-sha256' header does not match what was computed.");
            e.status = 400; // a code s3rver does not know: it would answer 500
            throw e;
        }
        // Metadata first: until the rename the object does not exist, and after it is complete.
        await this.putMetadata(object.bucket, object.key, object.metadata, md5Raw.toString("hex"));
        await fs.promises.rename(temp, objectPath);
        return { size, md5: md5Raw.toString("hex") };
    } catch (e) {
        await fs.promises.rm(temp, { force: true });
        throw e;
    }
};

// s3rver reads a range that ends at byte 0 (`bytes=0-0`, the first byte) as "to the end"
// (`options.end || Infinity`) and sends the whole object; S3 sends the one byte.
const getObject = FilesystemStore.prototype.getObject;
FilesystemStore.prototype.getObject = async function getFirstByte(bucket, key, options) {
    if (!options || options.end !== 0 || options.start !== 0) return getObject.call(this, bucket, key, options);
    const object = await getObject.call(this, bucket, key, { start: 0, end: 1 });
    if (object && object.content && object.range) {
        object.content.destroy();
        object.content = fs.createReadStream(this.getResourcePath(bucket, key, "object"), { start: 0, end: 0 });
        object.range.end = 0;
    }
    return object;
};

const s3rver = new S3rver({
    address: "127.0.0.1",
    directory: opts.dir,
    silent: true,
    vhostBuckets: false,
    configureBuckets: [{ name: opts.bucket }],
});
await s3rver.configureBuckets();
const koa = s3rver.callback();

const stats = { connections: 0, requests: 0 };
const server = http.createServer((req, res) => {
    res.on("finish", () => console.log(`${req.method} ${req.url} ${res.statusCode}`));
    if (req.url === "/-/stats") {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify(stats));
        return;
    }
    ++stats.requests;
    const refused = refusal(req);
    if (!refused) {
        // s3rver answers the HEAD of a bucket by listing the whole bucket, every object's metadata
        // read from disk: the same answer without the listing (signed as it was sent, above).
        if (req.method === "HEAD" && /^\/[^/?]+$/.test(req.url)) req.url += "?max-keys=0";
        koa(req, res);
        return;
    }
    const body = refused.toXML();
    res.writeHead(refused.status, { "Content-Type": "application/xml", "Content-Length": Buffer.byteLength(body) });
    res.end(body); // node sends no body to a HEAD
});
server.on("connection", () => ++stats.connections);
server.listen(Number(opts.port), "127.0.0.1", () => {
    console.log(`s3rver listening on http://127.0.0.1:${server.address().port}`);
});
