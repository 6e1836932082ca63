import { createServer } from 'node:http';
import { Readable } from 'node:stream';
import { S3Client, PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
const srv = createServer((req, res) => {
  const chunks = [];
  req.on('data', c => chunks.push(c));
  req.on('end', () => {
    const b = Buffer.concat(chunks);
    console.log('---', req.method, req.url); const h = {...req.headers}; delete h['user-agent']; console.log(h); console.log(JSON.stringify(b.subarray(0, 120).toString('latin1')), b.length);
    console.log('TAIL', JSON.stringify(b.subarray(Math.max(0,b.length - 200)).toString('latin1')));
    res.writeHead(200, { etag: '"abc"' }); res.end();
  });
});
await new Promise(r => srv.listen(0, '127.0.0.1', r));
const c = new S3Client({ endpoint: `http://127.0.0.1:${srv.address().port}`, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
await c.send(new PutObjectCommand({ Bucket: 'bkt', Key: 'x', Body: Readable.from([Buffer.alloc(100000, 2)]), ContentLength: 100000 }));
await c.send(new UploadPartCommand({ Bucket: 'bkt', Key: 'x', UploadId: 'u1', PartNumber: 1, Body: Readable.from([Buffer.alloc(100, 2)]), ContentLength: 100, ChecksumAlgorithm: 'CRC64NVME' }));
await c.send(new UploadPartCommand({ Bucket: 'bkt', Key: 'x', UploadId: 'u1', PartNumber: 1, Body: Readable.from([Buffer.alloc(100, 2)]), ContentLength: 100, ChecksumAlgorithm: 'SHA256' }));
srv.close();
