// Empties the build output (dist/, and resources/ built from editor/) before a build, so a file
// renamed or removed in the sources does not live on in dist/ and in what npm pack ships.
const fs = require('node:fs');
const path = require('node:path');

for (const dir of ['dist', 'resources']) {
  fs.rmSync(path.join(__dirname, '..', dir), { recursive: true, force: true });
}
