/**
 * What the web page needs from a yum repository's primary.xml (name, arch, EVR, build time,
 * summary, source rpm) without building the whole document: at 10,000 packages the generic
 * reader (xml-read.ts) took ~0.6 s of a 2.7 s add-one publish, most of it allocation. The fast
 * path reads only the layout createrepo_c and package-xml.ts write; anything else (CDATA, other
 * attribute order, a count that does not match) returns undefined and the caller parses strictly.
 * Pure.
 */
import { child, childrenNamed, decodeEntities, type XmlElement } from './xml-read.js';

export interface PrimarySummary {
  name: string;
  arch: string;
  epoch: string;
  ver: string;
  rel: string;
  /** Build time, seconds since the epoch (0 when absent). */
  build: number;
  summary?: string;
  sourcerpm?: string;
}

function element(block: string, name: string): string | undefined {
  const open = `<${name}>`;
  const a = block.indexOf(open);
  if (a < 0) return undefined;
  const b = block.indexOf(`</${name}>`, a);
  return b < 0 ? undefined : decodeEntities(block.slice(a + open.length, b));
}

const VERSION = /<version epoch="([^"]*)" ver="([^"]*)" rel="([^"]*)"\/>/;
const BUILD_TIME = /<time file="[^"]*" build="(\d*)"\/>/;

/** The packages of a primary.xml text, or undefined when it is not in the layout the fast path reads. */
export function readPrimarySummariesFast(text: string): PrimarySummary[] | undefined {
  if (text.includes('<![CDATA[') || text.includes('<!--')) return undefined;
  const out: PrimarySummary[] = [];
  for (let i = text.indexOf('<package ', 0); i >= 0; i = text.indexOf('<package ', i)) {
    const end = text.indexOf('</package>', i);
    if (end < 0) return undefined;
    const block = text.slice(i, end);
    const name = element(block, 'name');
    const arch = element(block, 'arch');
    const v = VERSION.exec(block);
    if (name === undefined || arch === undefined || !v) return undefined;
    const summary = element(block, 'summary');
    const sourcerpm = element(block, 'rpm:sourcerpm');
    out.push({
      name: name.trim(),
      arch: arch.trim(),
      epoch: decodeEntities(v[1]!),
      ver: decodeEntities(v[2]!),
      rel: decodeEntities(v[3]!),
      build: Number(BUILD_TIME.exec(block)?.[1] || 0),
      ...(summary?.trim() ? { summary: summary.trim() } : {}),
      ...(sourcerpm?.trim() ? { sourcerpm: sourcerpm.trim() } : {}),
    });
    i = end;
  }
  const declared = /<metadata\b[^>]*\spackages="(\d+)"/.exec(text.slice(0, 1024));
  if (!declared || Number(declared[1]) !== out.length) return undefined;
  return out;
}

/** The same from a parsed document (the strict path). */
export function primarySummariesOf(doc: XmlElement): PrimarySummary[] {
  const none: XmlElement = { name: '', attrs: {}, children: [], text: '' };
  const metadata = child(doc, 'metadata') ?? doc;
  return childrenNamed(metadata, 'package').map((p) => {
    const v = child(p, 'version')?.attrs ?? {};
    const summary = child(p, 'summary')?.text.trim();
    const sourcerpm = child(child(p, 'format') ?? none, 'rpm:sourcerpm')?.text.trim();
    return {
      name: child(p, 'name')?.text.trim() ?? '',
      arch: child(p, 'arch')?.text.trim() ?? '',
      epoch: v.epoch ?? '0',
      ver: v.ver ?? '',
      rel: v.rel ?? '',
      build: Number(child(p, 'time')?.attrs.build ?? '0') || 0,
      ...(summary ? { summary } : {}),
      ...(sourcerpm ? { sourcerpm } : {}),
    };
  });
}
