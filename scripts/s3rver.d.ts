// s3rver ships no types; just the surface the test setup and services script use.
declare module 's3rver' {
  import type { AddressInfo } from 'node:net';
  import type { Server } from 'node:http';

  interface S3rverOptions {
    address?: string;
    port?: number;
    directory?: string;
    silent?: boolean;
    resetOnClose?: boolean;
    allowMismatchedSignatures?: boolean;
    configureBuckets?: { name: string; configs?: (string | Buffer)[] }[];
  }

  /** The few parts of a Koa context the multipart extension reads and writes. */
  interface KoaContext {
    method: string;
    path: string;
    query: Record<string, string | string[] | undefined>;
    status: number;
    type: string;
    body: unknown;
  }

  export default class S3rver {
    constructor(options?: S3rverOptions);
    httpServer?: Server;
    /** Koa's middleware list (composed when the server starts). */
    middleware: Array<(ctx: KoaContext, next: () => Promise<void>) => Promise<void> | void>;
    store: { rootDirectory: string };
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
  }
}
