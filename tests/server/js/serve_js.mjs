// The local endpoint driven by the AWS SDK for JavaScript v3 (a client no one here wrote), one scenario
// per run: `node serve_js.mjs <scenario> <bucket>` with AWS_ENDPOINT_URL set. Prints one JSON object of
// what the client saw; tests/server/serve_js_test.cpp compares it with values it knows independently.
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import zlib from "node:zlib";
import {
  S3Client, CreateBucketCommand, PutObjectCommand, GetObjectCommand, HeadObjectCommand, CopyObjectCommand,
  ListBucketsCommand,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";

const endpoint = process.env.AWS_ENDPOINT_URL;
const [scenario, bucket] = process.argv.slice(2);
const base = {
  endpoint, region: "us-east-1", forcePathStyle: true,
  credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY },
};
const s3 = new S3Client(base);

const sha256 = (data) => createHash("sha256").update(data).digest("hex");
const bodyBytes = async (response) => Buffer.from(await response.Body.transformToByteArray());
const crc32Base64 = (data) => {
  const value = zlib.crc32(data);
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value >>> 0);
  return out.toString("base64");
};
// Deterministic bytes (no Math.random: the test can recompute them).
const pattern = (size, seed) => {
  const out = Buffer.alloc(size);
  let x = seed >>> 0;
  for (let i = 0; i < size; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
};

async function ensureBucket() {
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if (error.name !== "BucketAlreadyOwnedByYou") throw error;
  }
}

const scenarios = {
  // CopyObject from keys with a space, '+', '&', '=', '%' and non-ASCII characters; CopySource is
  // URL-encoded by the caller, as the SDK's documentation says.
  async copy_special() {
    await ensureBucket();
    const keys = ["with space.txt", "plus+sign.txt", "amp&and=eq.txt", "naïve/ünïcødé 日本.txt", "100%.txt"];
    const results = [];
    for (const key of keys) {
      const body = `body of ${key}`;
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
      const copy = `copies/${key}`;
      const source = `${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`;
      await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: copy, CopySource: source }));
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: copy }));
      results.push({ key, copy, body: (await bodyBytes(got)).toString("utf8") });
    }
    return { results };
  },

  // Header values with %XX in them come back byte for byte.
  async percent_headers() {
    await ensureBucket();
    const disposition = "attachment; filename*=UTF-8''na%C3%AFve.txt";
    const metadata = { progress: "100%25 done", plain: "a+b c&d=e" };
    await s3.send(new PutObjectCommand({
      Bucket: bucket, Key: "percent.txt", Body: "x", ContentDisposition: disposition, Metadata: metadata,
    }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "percent.txt" }));
    return { disposition: head.ContentDisposition, metadata: head.Metadata };
  },

  // A client whose clock is 20 minutes behind (Date.now, which the SDK signs with, is moved back): the
  // first attempt is refused with RequestTimeTooSkewed, the SDK reads the server's time from the answer,
  // sets its systemClockOffset and retries.
  async clock_skew() {
    const realNow = Date.now.bind(Date);
    Date.now = () => realNow() - 20 * 60 * 1000;
    const skewed = new S3Client(base);
    let attempts = 0;
    skewed.middlewareStack.add((next) => async (args) => {
      attempts++;
      return next(args);
    }, { step: "finalizeRequest", name: "countAttempts", priority: "low" });
    const listed = await skewed.send(new ListBucketsCommand({}));
    // With one attempt only, the error (and its ServerTime) is what the caller sees.
    const uncorrected = new S3Client({ ...base, maxAttempts: 1 });
    let error = {};
    try {
      await uncorrected.send(new ListBucketsCommand({}));
    } catch (caught) {
      error = { name: caught.name, status: caught.$metadata?.httpStatusCode, serverTime: caught.ServerTime ?? null,
                requestTime: caught.RequestTime ?? null };
    }
    Date.now = realNow;
    return {
      ok: Array.isArray(listed.Buckets), corrected_offset_ms: skewed.config.systemClockOffset, attempts,
      uncorrected_error: error,
    };
  },

  // The SDK's default checksums: CRC32 in a header for a buffer, in an aws-chunked trailer for a stream.
  async crc32_trailer() {
    await ensureBucket();
    const data = pattern(3 * 1024 * 1024 + 17, 11);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "crc/buffer.bin", Body: data }));
    await s3.send(new PutObjectCommand({
      Bucket: bucket, Key: "crc/stream.bin", Body: Readable.from([data.subarray(0, 1 << 20), data.subarray(1 << 20)]),
      ContentLength: data.length,
    }));
    const out = {};
    for (const key of ["crc/buffer.bin", "crc/stream.bin"]) {
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: "ENABLED" }));
      const bytes = await bodyBytes(got);
      out[key] = { sha256: sha256(bytes), checksum: got.ChecksumCRC32 ?? null };
    }
    return { sha256: sha256(data), crc32: crc32Base64(data), objects: out };
  },

  // @aws-sdk/lib-storage: 12 MiB + 5 bytes in 5 MiB parts (three parts), read back whole.
  async multipart() {
    await ensureBucket();
    const data = pattern(12 * 1024 * 1024 + 5, 5);
    const upload = new Upload({
      client: s3, params: { Bucket: bucket, Key: "multi/big.bin", Body: data }, partSize: 5 * 1024 * 1024,
      queueSize: 2,
    });
    const done = await upload.done();
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "multi/big.bin" }));
    const bytes = await bodyBytes(got);
    // The multipart ETag: MD5 of the parts' MD5s, "-" and the part count (computed here, independently).
    const digests = [];
    for (let offset = 0; offset < data.length; offset += 5 * 1024 * 1024)
      digests.push(createHash("md5").update(data.subarray(offset, offset + 5 * 1024 * 1024)).digest());
    const expected = `"${createHash("md5").update(Buffer.concat(digests)).digest("hex")}-${digests.length}"`;
    return { etag: done.ETag, expected_etag: expected, sha256: sha256(bytes), expected_sha256: sha256(data) };
  },

  // Presigned PUT and GET, sent by Node's own fetch.
  async presigned() {
    await ensureBucket();
    const key = "presigned/file name+1.txt";
    const putUrl = await getSignedUrl(s3, new PutObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: 300 });
    const put = await fetch(putUrl, { method: "PUT", body: "presigned body" });
    const getUrl = await getSignedUrl(s3, new GetObjectCommand({
      Bucket: bucket, Key: key, ResponseContentDisposition: "attachment; filename=\"x.txt\"",
    }), { expiresIn: 300 });
    const get = await fetch(getUrl);
    const tampered = await fetch(getUrl.replace("X-Amz-Expires=300", "X-Amz-Expires=301"));
    return {
      put_status: put.status, get_status: get.status, body: await get.text(),
      disposition: get.headers.get("content-disposition"), tampered_status: tampered.status,
      date: get.headers.get("date"),
    };
  },
};

const run = scenarios[scenario];
if (!run) {
  console.error(`unknown scenario '${scenario}'; one of: ${Object.keys(scenarios).join(", ")}`);
  process.exit(2);
}
try {
  console.log(JSON.stringify(await run()));
} catch (error) {
  console.error(`${scenario} failed: ${error.name}: ${error.message}`);
  process.exit(1);
}
