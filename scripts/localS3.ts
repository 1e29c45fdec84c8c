// The dev stack's local S3 (scripts/services.sh): s3rver with ListMultipartUploads and
// AbortMultipartUpload added (scripts/s3rverMultipart.ts).
//   node --import tsx scripts/localS3.ts <address> <port> <directory> <bucket>
import S3rver from 's3rver';
import { addMultipartUploadOps } from './s3rverMultipart';

const [address = '127.0.0.1', port = '4569', directory = '.services/s3rver', bucket = 'anet'] =
  process.argv.slice(2);
const s3 = new S3rver({
  address,
  port: Number(port),
  directory,
  silent: true,
  configureBuckets: [{ name: bucket }],
});
addMultipartUploadOps(s3);
const info = await s3.run();
process.stderr.write(
  `[s3rver] listening on ${info.address}:${info.port}, bucket ${bucket}, data in ${directory}\n`,
);
for (const sig of ['SIGTERM', 'SIGINT'] as const)
  process.on(sig, () => void s3.close().then(() => process.exit(0)));
