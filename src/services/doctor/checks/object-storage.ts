/** Object-storage publishing (`publish --to s3://…`): reachable, and which guarantees it gives. */
import { isPkgtrackError } from '../../../core/errors.js';
import type { DoctorCheck, Finding } from '../types.js';

export const objectStorageChecks: DoctorCheck[] = [
  {
    id: 'object-storage',
    title: 'Object storage target',
    async run(ctx): Promise<Finding[]> {
      const url = ctx.publishTo;
      if (!url?.startsWith('s3://')) {
        return [{ id: 'object-storage.target', status: 'skip', message: 'no s3:// target given (doctor --publish-to s3://bucket/prefix)' }];
      }
      // Loaded only when asked: the SDK is large.
      const { parseS3Url } = await import('../../../storage/s3-url.js');
      const { openS3Store } = await import('../../../storage/s3-store.js');
      const { probeConditionalWrites } = await import('../../../storage/probe.js');
      const { S3_META } = await import('../../publish/s3.js');
      try {
        const target = parseS3Url(url);
        const store = await openS3Store(target);
        const g = await probeConditionalWrites(store, `${target.prefix}${S3_META}`);
        if (g.createOnly && g.compareAndSwap) {
          return [
            {
              id: 'object-storage.guarantees',
              status: 'ok',
              message: `${target.url}: conditional writes honoured: pool files are created only if absent (If-None-Match), the state object is compare-and-swapped (If-Match), on top of the publish lease`,
              details: { ...g },
            },
          ];
        }
        return [
          {
            id: 'object-storage.guarantees',
            status: 'warn',
            message: `${target.url}: the store ignores conditional writes (If-None-Match: ${g.createOnly ? 'honoured' : 'ignored'}, If-Match: ${g.compareAndSwap ? 'honoured' : 'ignored'}); publishers are serialised by the lease alone (claim objects + a strongly consistent LIST), and pool files are checked by HEAD before upload`,
            fix: 'That is safe for one CI publish job at a time on a store with strongly consistent listing (AWS S3, R2, MinIO, Ceph RGW, GCS). Prefer a store that honours If-None-Match / If-Match for atomic guarantees.',
            details: { ...g },
          },
        ];
      } catch (e) {
        return [
          {
            id: 'object-storage.reachable',
            status: 'error',
            message: isPkgtrackError(e) ? e.message : `${url}: ${(e as Error).message}`,
            fix:
              isPkgtrackError(e) && e.fix
                ? e.fix
                : 'Check AWS_ENDPOINT_URL_S3, AWS_REGION and the credentials in the AWS environment/profile chain.',
          },
        ];
      }
    },
  },
];
