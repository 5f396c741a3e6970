/**
 * Files `pkgtrack init` writes. Kept as data so the installed package needs no template folder;
 * a test validates a freshly initialised repository with the real loader.
 */
export interface InitOptions {
  name: string;
  maintainer: string;
}

export const repositoryYaml = (o: InitOptions) => `# pkgtrack recipes repository. Schema: \`pkgtrack recipe schema --for repository\`.
name: ${o.name}
origin: ${o.name}
label: ${o.name}
description: Packages built and published by pkgtrack
maintainer: ${o.maintainer}
# url: https://example.org/${o.name}   # where the repository will be served (install snippets use it)
output: public
targets:
  - debian:bookworm
  - debian:trixie
  - fedora:41
signing:
  key: keys/signing.key
  passphraseEnv: PKGTRACK_KEY_PASSPHRASE
retention:
  keep: 3
`;

export const exampleRecipeYaml = `# An example recipe: GNU Hello from the Debian archive with a one-patch queue.
# Schema: \`pkgtrack recipe schema\`. Validate with \`pkgtrack recipe validate\`.
name: hello
summary: example package based on GNU hello
homepage: https://www.gnu.org/software/hello/
license: GPL-3.0-or-later
upstream:
  kind: debian
  package: hello
  suite: sid
versions:
  tagPattern: '^(?<version>\\d+(\\.\\d+)+)$'
revision: "1"
channels:
  stable:
    enabled: true
`;

export const exampleControl = (o: InitOptions) => `Source: hello
Section: devel
Priority: optional
Maintainer: ${o.maintainer}
Build-Depends: debhelper-compat (= 13), texinfo
Standards-Version: 4.7.0
Homepage: https://www.gnu.org/software/hello/
Rules-Requires-Root: no

Package: hello
Architecture: any
Depends: \${misc:Depends}, \${shlibs:Depends}
Description: example package based on GNU hello
 The GNU hello program produces a familiar, friendly greeting.
`;

export const exampleRules = `#!/usr/bin/make -f
%:
\tdh $@

override_dh_auto_clean:
\t[ ! -f Makefile ] || $(MAKE) distclean
`;

export const exampleCopyright = `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: hello
Source: https://www.gnu.org/software/hello/

Files: *
Copyright: 1992-2026 Free Software Foundation, Inc.
License: GPL-3.0-or-later
 On Debian systems, the full text of the GNU General Public License
 version 3 can be found in the file /usr/share/common-licenses/GPL-3.
`;

export const exampleSeries = `# One patch per line, applied in order (quilt syntax). Shared by deb and rpm builds.
readme-https.patch
`;

export const examplePatch = (o: InitOptions) => `Description: Point the README at the HTTPS distribution site
 Plain FTP is blocked in many networks and offers no integrity.
Author: ${o.maintainer}
Forwarded: no
Last-Update: ${new Date().toISOString().slice(0, 10)}
---
--- a/README
+++ b/README
@@ -10,7 +10,7 @@
 
 See the files ./INSTALL* for building and installation instructions.
 
-Primary distribution point: ftp://ftp.gnu.org/gnu/hello/
+Primary distribution point: https://ftp.gnu.org/gnu/hello/
  automatic redirection: https://ftpmirror.gnu.org/hello
  list of mirrors for manual selection: https://www.gnu.org/prep/ftp.html
 
`;

export const gitignore = `.pkgtrack/
public/
keys/*.key
# Revocation certificates: whoever holds one can revoke the key; keep them offline.
keys/*.rev.asc
`;
