/**
 * repodata files and repomd.xml. Pure: documents in, compressed bytes and the repomd text out.
 * Each metadata file is named `<sha256 of the compressed bytes>-<type>.xml.<gz|zst>` and listed
 * in repomd.xml with checksum, open-checksum, size, open-size and timestamp, as createrepo_c does.
 */
import { createHash } from 'node:crypto';
import { constants, gzipSync, zstdCompressSync } from 'node:zlib';
import { escAttr } from './package-xml.js';

export type MetadataCompression = 'gz' | 'zst';

export interface RepodataFile {
  type: 'primary' | 'filelists' | 'other';
  /** File name inside repodata/. */
  name: string;
  bytes: Uint8Array;
  checksum: string;
  openChecksum: string;
  size: number;
  openSize: number;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export function compress(data: Uint8Array, how: MetadataCompression): Uint8Array {
  if (how === 'zst') return zstdCompressSync(data, { params: { [constants.ZSTD_c_compressionLevel]: 10 } });
  return gzipSync(data, { level: 6 });
}

export function repodataFile(type: RepodataFile['type'], document: string, how: MetadataCompression): RepodataFile {
  const open = Buffer.from(document, 'utf8');
  const bytes = compress(open, how);
  const checksum = sha256(bytes);
  return {
    type,
    name: `${checksum}-${type}.xml.${how}`,
    bytes,
    checksum,
    openChecksum: sha256(open),
    size: bytes.length,
    openSize: open.length,
  };
}

/** repomd.xml for `files`; `revision` and `timestamp` are Unix seconds. */
export function repomdXml(files: readonly RepodataFile[], revision: number, timestamp: number): string {
  let s = '<?xml version="1.0" encoding="UTF-8"?>\n';
  s += '<repomd xmlns="http://linux.duke.edu/metadata/repo" xmlns:rpm="http://linux.duke.edu/metadata/rpm">\n';
  s += `  <revision>${revision}</revision>\n`;
  for (const f of files) {
    s += `  <data type="${f.type}">\n`;
    s += `    <checksum type="sha256">${f.checksum}</checksum>\n`;
    s += `    <open-checksum type="sha256">${f.openChecksum}</open-checksum>\n`;
    s += `    <location href="repodata/${escAttr(f.name)}"/>\n`;
    s += `    <timestamp>${timestamp}</timestamp>\n`;
    s += `    <size>${f.size}</size>\n`;
    s += `    <open-size>${f.openSize}</open-size>\n`;
    s += '  </data>\n';
  }
  s += '</repomd>\n';
  return s;
}
