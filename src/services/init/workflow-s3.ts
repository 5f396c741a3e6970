/**
 * The parts of the generated workflows that differ when the repository is published straight to
 * object storage (`init --publish s3`): the plan reads the published state from the bucket's
 * public URL, and the publish job gets short-lived AWS credentials through GitHub's OIDC token
 * (no stored access keys) and uploads with `publish --to s3://…`. Pure: lines of YAML.
 * Repository variables (Settings > Secrets and variables > Actions > Variables), not secrets:
 * none of them is sensitive, and the role's trust policy is what grants access.
 */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${{ }} is GitHub Actions expression syntax, meant literally

/**
 * v4.0.2 of aws-actions/configure-aws-credentials, pinned to the commit that tag names (as many
 * public workflows pin it; check with `git ls-remote https://github.com/aws-actions/configure-aws-credentials v4.0.2`).
 */
export const CONFIGURE_AWS_CREDENTIALS = 'aws-actions/configure-aws-credentials@e3dd6a429d7300a6a4c196c26e071d42e0343502 # v4.0.2';

/** What a user sets up once, at the top of each workflow. */
export const s3Header = [
  '# Publishing: straight to object storage (S3, R2, GCS, MinIO, Ceph) with `pkgtrack publish --to s3://…`.',
  '# Repository variables (Settings > Secrets and variables > Actions > Variables):',
  '#   PKGTRACK_S3_URL         s3://bucket/prefix the repository is written to',
  '#   PKGTRACK_PUBLIC_URL     where readers get it, e.g. https://bucket.s3.eu-west-1.amazonaws.com/prefix',
  '#   PKGTRACK_AWS_ROLE_ARN   the IAM role the publish job assumes through GitHub OIDC (no stored keys);',
  '#                           its trust policy: token.actions.githubusercontent.com, aud sts.amazonaws.com,',
  '#                           sub repo:OWNER/NAME:ref:refs/heads/main; its policy: s3:GetObject, PutObject,',
  '#                           DeleteObject, ListBucket on the prefix. The bucket policy grants public read.',
  '#   PKGTRACK_AWS_REGION     e.g. eu-west-1 (R2: auto)',
  '#   PKGTRACK_S3_ENDPOINT    only for other stores, e.g. https://<account>.r2.cloudflarestorage.com',
  '#                           or https://storage.googleapis.com (GCS with HMAC keys: set AWS_ACCESS_KEY_ID',
  '#                           and AWS_SECRET_ACCESS_KEY as secrets in the publish step instead of the role)',
  '# `pkgtrack doctor --publish-to "$PKGTRACK_S3_URL"` says which concurrency guarantee the store gives.',
];

/** The plan's state: read over HTTP(S) from the public URL; nothing restored from a branch. */
export const s3PlanEnv = ['          PKGTRACK_PUBLIC_URL: ${{ vars.PKGTRACK_PUBLIC_URL }}'];
export const s3PlanSource = '--state-url "$PKGTRACK_PUBLIC_URL"';

/** Publish job lines after its `runs-on`: permissions, one publisher at a time, credentials, publish. */
export function s3PublishJobBody(p: { output: string; setup: string[]; artifactsAndKey: string[] }): string[] {
  return [
    '    permissions:',
    '      contents: read',
    '      id-token: write # the OIDC token the AWS role is assumed with',
    '    # One publisher at a time across both pkgtrack workflows; a queued one waits.',
    '    concurrency:',
    '      group: pkgtrack-publish',
    '      cancel-in-progress: false',
    '    steps:',
    ...p.setup,
    `      - uses: ${CONFIGURE_AWS_CREDENTIALS}`,
    '        with:',
    '          role-to-assume: ${{ vars.PKGTRACK_AWS_ROLE_ARN }}',
    '          aws-region: ${{ vars.PKGTRACK_AWS_REGION }}',
    ...p.artifactsAndKey,
    '      - name: Publish',
    '        env:',
    '          PKGTRACK_KEY_PASSPHRASE: ${{ secrets.PKGTRACK_KEY_PASSPHRASE }}',
    '          PKGTRACK_S3_URL: ${{ vars.PKGTRACK_S3_URL }}',
    '          PKGTRACK_S3_ENDPOINT: ${{ vars.PKGTRACK_S3_ENDPOINT }}',
    '          PLANNED: ${{ needs.plan.outputs.matrix }}',
    '        run: |',
    '          printenv PLANNED > planned.json',
    '          # Another store than AWS: its endpoint, the way the AWS SDK reads it.',
    '          if [ -n "$PKGTRACK_S3_ENDPOINT" ]; then export AWS_ENDPOINT_URL_S3="$PKGTRACK_S3_ENDPOINT"; fi',
    `          pkgtrack publish --from-artifacts artifacts --planned planned.json --output ${p.output} --to "$PKGTRACK_S3_URL"`,
    '      - name: Remove the signing key',
    '        if: always()',
    '        run: rm -f keys/signing.key',
  ];
}
