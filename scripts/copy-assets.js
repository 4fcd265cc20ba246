// Copies the non-TypeScript parts of each node (editor .html, locales/, icons/) beside the compiled .js.
const fs = require('node:fs');
const path = require('node:path');

const src = path.join(__dirname, '..', 'nodes');
const out = path.join(__dirname, '..', 'dist', 'nodes');

function copy(from, to) {
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const a = path.join(from, entry.name);
    const b = path.join(to, entry.name);
    if (entry.isDirectory()) {
      fs.mkdirSync(b, { recursive: true });
      copy(a, b);
    } else if (!entry.name.endsWith('.ts')) {
      fs.copyFileSync(a, b);
    }
  }
}

fs.mkdirSync(out, { recursive: true });
copy(src, out);
