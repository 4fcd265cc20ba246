// What the flow library's scorecard (`node-red-dev validate`) checks, checked offline.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '..', '..');
const read = (...parts: string[]): string => fs.readFileSync(path.join(ROOT, ...parts), 'utf8');

interface PackageJson {
  name: string;
  license?: string;
  repository?: { url?: string } | string;
  bugs?: { url?: string } | string;
  keywords?: string[];
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  'node-red': { version?: string; nodes: Record<string, string> };
}

const pkg = JSON.parse(read('package.json')) as PackageJson;
const installedRed = (JSON.parse(read('node_modules', 'node-red', 'package.json')) as { version: string; engines: { node: string } });

// ---- version ranges: the semver package when it is installed, else a small comparator

interface Semver {
  satisfies(version: string, range: string): boolean;
  minVersion(range: string): { version: string } | null;
}

function loadSemver(): Semver | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(path.join(ROOT, 'node_modules', 'semver')) as Semver;
  } catch {
    return undefined;
  }
}

const parts = (v: string): number[] => v.replace(/^[v=]/, '').split(/[.+-]/).slice(0, 3).map(Number);
function compare(a: string, b: string): number {
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) if ((x[i] || 0) !== (y[i] || 0)) return (x[i] || 0) - (y[i] || 0);
  return 0;
}

/** `>=`, `>`, `<=`, `<`, `=`, `^`, `~` comparators, AND by space, OR by `||`. */
function simpleSatisfies(version: string, range: string): boolean {
  return range.split('||').some((alt) =>
    alt.trim().split(/\s+/).every((c) => {
      const m = /^(>=|<=|>|<|=|\^|~)?\s*(\d+(?:\.\d+){0,2})/.exec(c);
      if (!m) return c === '*' || c === '';
      const d = compare(version, m[2]);
      const [major, minor] = parts(m[2]);
      switch (m[1]) {
        case '>=': return d >= 0;
        case '>': return d > 0;
        case '<=': return d <= 0;
        case '<': return d < 0;
        case '^': return d >= 0 && parts(version)[0] === major;
        case '~': return d >= 0 && parts(version)[0] === major && parts(version)[1] === minor;
        default: return d === 0;
      }
    }),
  );
}

const semver = loadSemver();
const satisfies = (version: string, range: string): boolean => (semver ? semver.satisfies(version, range) : simpleSatisfies(version, range));
const minVersion = (range: string): string => semver?.minVersion(range)?.version ?? (/\d+(\.\d+){0,2}/.exec(range)?.[0] ?? '0.0.0');

// ---- editor definitions, read the way the scorecard reads them

interface Registration {
  type: string;
  props: Map<string, ts.Expression>;
}

// The scorecard's own pattern: only `<script ... type="text/javascript">` blocks are parsed.
const SCRIPT = /<script.+?type=['"]text\/javascript['"].*?>([\S\s]*?)<\/script>/gi;

function registrations(html: string, file: string): Registration[] {
  const out: Registration[] = [];
  for (const [, code] of html.matchAll(SCRIPT)) {
    const syntax = ts.transpileModule(code, { reportDiagnostics: true, compilerOptions: { allowJs: true } }).diagnostics ?? [];
    assert.deepEqual(syntax.map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' ')), [], `${file}: script does not parse`);
    const source = ts.createSourceFile(file, code, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'registerType') {
        const [type, def] = node.arguments;
        assert.ok(type && ts.isStringLiteral(type), `${file}: registerType's first argument must be a string literal`);
        assert.ok(def && ts.isObjectLiteralExpression(def), `${file}: registerType's second argument must be an object literal`);
        // The scorecard reads the name of every property (key.name) of the definition and of its defaults:
        // a spread (`...shared`) has none, and its parse of the file fails.
        const defaults = def.properties.find((p) => p.name && ts.isIdentifier(p.name) && p.name.text === 'defaults');
        const inner = defaults && ts.isPropertyAssignment(defaults) && ts.isObjectLiteralExpression(defaults.initializer) ? defaults.initializer.properties : [];
        for (const p of [...def.properties, ...inner]) assert.ok(!ts.isSpreadAssignment(p), `${file}: a spread in the definition of ${type.text}`);
        const props = new Map<string, ts.Expression>();
        for (const p of def.properties) {
          if (ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) props.set(p.name.text, p.initializer);
        }
        out.push({ type: type.text, props });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return out;
}

const SCRIPT_START = /<script.+?type=['"]text\/javascript['"]/i;

/**
 * The catalog keys the shared definition parts of resources/plex-butler-editor.js read from the type's
 * catalog, by the calls of nodes/<type>.html: flowNode/taskNode (labels), taskValidator, graceValidator.
 */
function sharedKeys(editor: string, type: string): string[] {
  const call = (name: string): RegExpExecArray | null => new RegExp(`PlexButlerEditor\\.${name}\\('${type}'([^)]*)\\)`).exec(editor);
  const keys: string[] = [];
  const labels = call('flowNode') ?? call('taskNode');
  if (labels) {
    keys.push('paletteLabel', 'label.result', 'label.error');
    // A label of the type's own takes the place of the shared one.
    if (!/^\s*label:/m.test(editor)) keys.push('label.node');
    const input = /input:\s*(?:false|'([^']+)')/.exec(labels[1]);
    if (!input) keys.push('label.input');
    else if (input[1]) keys.push(input[1]);
  }
  if (call('taskNode')) keys.push('label.named');
  for (const m of editor.matchAll(new RegExp(`PlexButlerEditor\\.validator\\('${type}', '([^']+)'`, 'g'))) keys.push(m[1]);
  if (call('taskValidator')) keys.push('errors.task');
  if (call('graceValidator')) keys.push('errors.grace');
  return keys.map((key) => `${type}.${key}`);
}

const htmlFiles = fs.readdirSync(path.join(ROOT, 'nodes')).filter((f) => f.endsWith('.html'));
const defs = new Map<string, Registration>();
for (const file of htmlFiles) for (const r of registrations(read('nodes', file), file)) defs.set(r.type, r);

const literal = (r: Registration, key: string): string | number | undefined => {
  const v = r.props.get(key);
  if (v && (ts.isStringLiteral(v) || ts.isNoSubstitutionTemplateLiteral(v))) return v.text;
  if (v && ts.isNumericLiteral(v)) return Number(v.text);
  return undefined;
};
const isConfig = (type: string): boolean => defs.get(type) !== undefined && literal(defs.get(type) as Registration, 'category') === 'config';
const declaredTypes = Object.keys(pkg['node-red'].nodes);
const flowTypes = declaredTypes.filter((t) => !isConfig(t));

// ---- examples

interface FlowNode {
  id: string;
  type: string;
  wires?: string[][];
  [key: string]: unknown;
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}
const exampleFiles = filesUnder(path.join(ROOT, 'examples'));

/** Node types the installed Node-RED registers in its editor, plus the built-in ones. */
function coreTypes(): Set<string> {
  const base = path.dirname(require.resolve('@node-red/nodes/package.json', { paths: [ROOT] }));
  const types = new Set(['tab', 'group', 'subflow']);
  for (const file of filesUnder(path.join(base, 'core')).filter((f) => f.endsWith('.html'))) {
    for (const r of registrations(fs.readFileSync(file, 'utf8'), file)) types.add(r.type);
  }
  return types;
}

/** The one example built for FlowFuse Dashboard 2.0, which may use that package's types. */
const DASHBOARD_EXAMPLE = path.join('examples', 'Maintenance dashboard (needs Dashboard 2.0).json');
const DASHBOARD_PACKAGE = '@flowfuse/node-red-dashboard';

/** Node types of FlowFuse Dashboard 2.0 (widgets and its ui-base/ui-page/ui-theme/ui-group config nodes). */
function dashboardTypes(): Set<string> {
  const file = require.resolve(`${DASHBOARD_PACKAGE}/package.json`, { paths: [ROOT] });
  const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { 'node-red': { nodes: Record<string, string> } };
  return new Set(Object.keys(pkg['node-red'].nodes));
}

describe('flow library scorecard (offline)', () => {
  describe('package.json', () => {
    it('has a license, with the LICENSE file beside it', () => {
      assert.ok(typeof pkg.license === 'string' && pkg.license.length > 0);
      assert.ok(fs.existsSync(path.join(ROOT, 'LICENSE')));
    });

    it('names a git repository and a bugs address', () => {
      const repo = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
      assert.match(repo ?? '', /^(git\+)?https:\/\/.+\.git$|^git@.+:.+\.git$/);
      const bugs = typeof pkg.bugs === 'string' ? pkg.bugs : pkg.bugs?.url;
      assert.match(bugs ?? '', /^https:\/\//);
    });

    it("has the 'node-red' keyword", () => {
      assert.ok(pkg.keywords?.includes('node-red'));
    });

    it(`declares a node-red.version the installed Node-RED (${installedRed.version}) satisfies`, () => {
      const range = pkg['node-red'].version;
      assert.ok(range, 'node-red.version is declared');
      assert.ok(satisfies(installedRed.version, range), `${installedRed.version} does not satisfy ${range}`);
    });

    it('accepts Node.js 22.9.0 and the oldest Node.js the installed Node-RED supports', () => {
      const range = pkg.engines?.node;
      assert.ok(range, 'engines.node is declared');
      assert.ok(satisfies('22.9.0', range), `engines.node ${range} refuses 22.9.0`);
      const oldest = minVersion(installedRed.engines.node);
      assert.ok(satisfies(oldest, range), `engines.node ${range} refuses ${oldest}, the minimum of node-red ${installedRed.version}`);
    });

    it('compares versions the same way with or without the semver package', function () {
      if (!semver) this.skip();
      const cases: Array<[string, string]> = [
        ['4.1.15', '>=4.0.0'], ['3.1.0', '>=4.0.0'], ['22.9.0', '>=18.5'], ['18.4.0', '>=18.5'], ['20.1.0', '^20.0.0 || >=22'],
        ['21.0.0', '^20.0.0 || >=22'], ['4.0.9', '~4.0.2'], ['4.1.0', '~4.0.2'], ['5.0.0', '<5'], ['4.2.0', '>4.1.15 <5'],
      ];
      for (const [v, r] of cases) assert.equal(simpleSatisfies(v, r), semver?.satisfies(v, r), `${v} in ${r}`);
    });

    it('has at most 6 runtime dependencies, none of them node-red, none pulling in agent-base < 6', () => {
      const deps = Object.keys(pkg.dependencies ?? {});
      assert.ok(deps.length <= 6, `${deps.length} dependencies`);
      assert.ok(!deps.includes('node-red'), 'node-red must not be a dependency');
      // The scorecard's list of known-incompatible packages: agent-base < 6.
      const seen = new Set<string>();
      const walk = (name: string, from: string): void => {
        let dir = from;
        let found = '';
        for (;;) {
          const candidate = path.join(dir, 'node_modules', name, 'package.json');
          if (fs.existsSync(candidate)) {
            found = candidate;
            break;
          }
          const up = path.dirname(dir);
          if (up === dir) break;
          dir = up;
        }
        assert.ok(found, `${name} is installed`);
        if (seen.has(found)) return;
        seen.add(found);
        const meta = JSON.parse(fs.readFileSync(found, 'utf8')) as { version: string; dependencies?: Record<string, string> };
        if (name === 'agent-base') assert.ok(!satisfies(meta.version, '<6.0.0'), `agent-base ${meta.version} in the dependency tree`);
        for (const dep of Object.keys(meta.dependencies ?? {})) walk(dep, path.dirname(found));
      };
      for (const dep of deps) walk(dep, ROOT);
      assert.ok(seen.size >= deps.length);
    });
  });

  describe('editor definitions', () => {
    it('has one nodes/<type>.html per declared type, beside the built .js the package points at', () => {
      for (const [type, js] of Object.entries(pkg['node-red'].nodes)) {
        assert.equal(js, `dist/nodes/${type}.js`, type);
        assert.ok(htmlFiles.includes(`${type}.html`), `nodes/${type}.html`);
        const built = path.join(ROOT, js.replace(/\.js$/, '.html'));
        assert.ok(fs.existsSync(built), `${built} is missing: run npm run build`);
        assert.equal(fs.readFileSync(built, 'utf8'), read('nodes', `${type}.html`), `${built} is stale: run npm run build`);
      }
    });

    it('registers every type with a literal name and literal category, color, icon, inputs, outputs, defaults', () => {
      for (const type of declaredTypes) {
        const r = defs.get(type);
        assert.ok(r, `registerType('${type}', {...}) in a <script type="text/javascript"> block`);
        for (const key of ['category', 'color', 'icon']) assert.equal(typeof literal(r, key), 'string', `${type}.${key}`);
        for (const key of ['inputs', 'outputs']) assert.equal(typeof literal(r, key), 'number', `${type}.${key}`);
        const defaults = r.props.get('defaults');
        assert.ok(defaults && ts.isObjectLiteralExpression(defaults), `${type}.defaults inline`);
        const creds = r.props.get('credentials');
        if (creds) assert.ok(ts.isObjectLiteralExpression(creds), `${type}.credentials inline`);
        assert.ok(fs.existsSync(path.join(ROOT, 'nodes', 'icons', String(literal(r, 'icon')))), `${type}: icon file`);
        if (!isConfig(type)) assert.equal(literal(r, 'category'), 'plex', type);
      }
    });

    it('gives every flow node type its own icon, named after the type: white on transparent, 40x60', () => {
      const icons = flowTypes.map((type) => String(literal(defs.get(type) as Registration, 'icon')));
      assert.deepEqual(icons, flowTypes.map((type) => `${type}.svg`));
      // the playback node's icon is drawn here too, whether or not its type is declared yet
      for (const file of [...icons, 'plex-butler-playback.svg', 'plex-butler.svg']) {
        const svg = read('nodes', 'icons', file);
        assert.match(svg, /^<svg [^>]*viewBox="0 0 40 60"/, file);
        const colours = [...svg.matchAll(/(?:fill|stroke)="([^"]+)"/g)].map((m) => m[1]);
        assert.deepEqual([...new Set(colours)].filter((c) => c !== '#fff' && c !== 'none'), [], `${file}: white only`);
      }
    });

    it('keeps the token a password credential of the server node, never a default', () => {
      const server = defs.get('plex-butler-server');
      assert.ok(server);
      assert.equal(literal(server, 'category'), 'config');
      const creds = server.props.get('credentials');
      assert.ok(creds && ts.isObjectLiteralExpression(creds));
      assert.match(creds.getText(), /token\s*:\s*\{\s*type\s*:\s*'password'\s*(,\s*required\s*:\s*true\s*)?\}/);
      const defaults = server.props.get('defaults');
      assert.ok(defaults && ts.isObjectLiteralExpression(defaults));
      const names = defaults.properties.map((p) => (p.name && ts.isIdentifier(p.name) ? p.name.text : ''));
      assert.deepEqual(names.sort(), ['name', 'timeout', 'url', 'verifyTls']);
    });

    it('has help and a message catalog for every type, and every catalog key the editor uses exists', () => {
      for (const type of declaredTypes) {
        const help = read('nodes', 'locales', 'en-US', `${type}.html`);
        assert.ok(help.includes(`data-help-name="${type}"`), `${type} help`);
        for (const head of ['Details', 'References']) assert.ok(help.includes(`<h3>${head}</h3>`), `${type} help: ${head}`);
        const catalog = JSON.parse(read('nodes', 'locales', 'en-US', `${type}.json`)) as Record<string, unknown>;
        assert.deepEqual(Object.keys(catalog), [type], `${type}.json has one top-level key, the type`);
        const has = (key: string): boolean =>
          key.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), catalog) !== undefined;
        // The type's editor code: its .html, and editor/<type>.ts where the type has code of its own.
        const own = path.join(ROOT, 'editor', `${type}.ts`);
        const editor = read('nodes', `${type}.html`) + (fs.existsSync(own) ? fs.readFileSync(own, 'utf8') : '');
        const used = [
          ...[...editor.matchAll(/data-i18n="(?:\[[a-z]+\])?([^"]+)"/g)].map((m) => m[1]),
          ...[...editor.matchAll(/_\('([^']+)'\s*[,)]/g)].map((m) => m[1]),
        ].filter((k) => k.startsWith(`${type}.`));
        for (const key of [...used, ...sharedKeys(editor, type)]) assert.ok(has(key), `${type}.json lacks ${key}`);
        // The shared task field (the package's editor resource) reads relative keys from the calling type's catalog.
        if (editor.includes(`taskField(this, '${type}')`) || editor.includes(`taskNode('${type}'`)) {
          const relative = [...read('resources', 'plex-butler-editor.js').matchAll(/\bt\('([A-Za-z.]+)'/g)].map((m) => m[1]);
          assert.ok(relative.length > 5);
          for (const key of relative) assert.ok(has(`${type}.${key}`), `${type}.json lacks ${type}.${key}`);
        }
      }
    });

    it('loads the shared editor script in every editor file that uses it, before its definition', () => {
      const tag = '<script src="resources/node-red-contrib-plex-butler/plex-butler-editor.js"></script>';
      for (const file of htmlFiles) {
        const editor = read('nodes', file);
        const first = editor.search(SCRIPT_START);
        if (!editor.slice(first).includes('PlexButlerEditor')) continue;
        // The editor loads a set's <script src> before it runs the set's scripts, but it loads the sets of a
        // module installed or enabled from the palette manager side by side: each set loads it itself.
        const at = editor.indexOf(tag);
        assert.ok(at >= 0 && at < first, `${file}: ${tag} before the definition`);
      }
    });

    it('has the runtime status texts the nodes use', () => {
      const keys: Record<string, string[]> = {
        'plex-butler-tasks': ['status.listing', 'status.listed'],
        'plex-butler-start': ['status.busy', 'status.started', 'status.already-running'],
        'plex-butler-stop': ['status.busy', 'status.stopped', 'status.not-running'],
        'plex-butler-all': ['status.busy', 'status.started', 'status.stopped'],
      };
      for (const [type, list] of Object.entries(keys)) {
        const catalog = (JSON.parse(read('nodes', 'locales', 'en-US', `${type}.json`)) as Record<string, Record<string, Record<string, string>>>)[type];
        for (const key of list) {
          const [group, name] = key.split('.');
          const text = catalog[group]?.[name];
          assert.ok(text && text.length <= 32, `${type}.${key}: short text`);
          if (type !== 'plex-butler-all' && type !== 'plex-butler-tasks') assert.ok(text.includes('__task__'), `${type}.${key} names the task`);
        }
      }
      assert.match(read('nodes', 'locales', 'en-US', 'plex-butler-tasks.json'), /__count__ tasks/);
    });
  });

  describe('examples', () => {
    const core = coreTypes();
    const parsed = exampleFiles.map((file) => ({ file: path.relative(ROOT, file), nodes: JSON.parse(fs.readFileSync(file, 'utf8')) as unknown }));

    it('holds only JSON flows (arrays of nodes): the scorecard parses every file there', () => {
      assert.ok(parsed.length > 0);
      for (const { file, nodes } of parsed) {
        assert.ok(file.endsWith('.json'), file);
        assert.ok(Array.isArray(nodes) && nodes.length > 0, `${file} is a flow array`);
      }
    });

    it('uses every non-config node type of the package', () => {
      const used = new Set(parsed.flatMap(({ nodes }) => (nodes as FlowNode[]).map((n) => n.type)));
      assert.ok(flowTypes.length >= 4);
      for (const type of flowTypes) assert.ok(used.has(type), `${type} is in no example`);
    });

    it('uses only core types and ours (and the dashboard example the dashboard\'s), with wires and server references that resolve', () => {
      const ui = dashboardTypes();
      assert.ok(['ui-base', 'ui-page', 'ui-theme', 'ui-group', 'ui-template', 'ui-button'].every((t) => ui.has(t)), 'the dashboard types');
      for (const { file, nodes } of parsed) {
        const list = nodes as FlowNode[];
        const ids = new Set(list.map((n) => n.id));
        assert.equal(ids.size, list.length, `${file}: unique ids`);
        const extra = file === DASHBOARD_EXAMPLE ? ui : new Set<string>();
        for (const n of list) {
          assert.ok(core.has(n.type) || declaredTypes.includes(n.type) || extra.has(n.type), `${file}: unknown type ${n.type}`);
          for (const key of ['group', 'page', 'ui', 'theme']) {
            if (extra.has(n.type) && typeof n[key] === 'string' && n[key] !== '') assert.ok(ids.has(n[key]), `${file}: ${n.id} ${key}`);
          }
          for (const target of (n.wires ?? []).flat()) assert.ok(ids.has(target), `${file}: ${n.id} wires to a missing ${target}`);
          if (typeof n.server === 'string') assert.ok(list.some((s) => s.id === n.server && s.type === 'plex-butler-server'), `${file}: ${n.id} server`);
        }
      }
    });

    it('brings its own server node reading ${PLEX_URL}, no credentials, and a comment', () => {
      for (const { file, nodes } of parsed) {
        const list = nodes as FlowNode[];
        const text = JSON.stringify(list);
        assert.ok(!/"credentials"|"token"/.test(text), `${file}: credentials`);
        const servers = list.filter((n) => n.type === 'plex-butler-server');
        assert.ok(servers.length >= 1 && servers.every((s) => s.url === '${PLEX_URL}'), `${file}: server url`);
        assert.ok(list.some((n) => n.type === 'comment' && typeof n.info === 'string' && n.info.length > 40), `${file}: comment`);
      }
    });

    it('has the dashboard example, whose comment says to install the dashboard first', () => {
      const found = parsed.find((p) => p.file === DASHBOARD_EXAMPLE);
      assert.ok(found, DASHBOARD_EXAMPLE);
      const list = found.nodes as FlowNode[];
      assert.ok(list.some((n) => n.type.startsWith('ui-')));
      assert.ok(list.some((n) => n.type === 'comment' && String(n.info).includes(`Install FlowFuse Dashboard 2.0 first`) && String(n.info).includes(DASHBOARD_PACKAGE)));
    });
  });

  it('packs only dist/lib, dist/nodes, resources, examples, README.md, CHANGELOG.md, LICENSE and package.json', function () {
    this.timeout(60_000);
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.NODE_V8_COVERAGE; // npm itself needs no coverage
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, env, encoding: 'utf8', maxBuffer: 16 << 20 });
    const [{ files }] = JSON.parse(out) as Array<{ files: Array<{ path: string }> }>;
    const paths = files.map((f) => f.path);
    const stray = paths.filter((p) => !/^(dist\/lib\/|dist\/nodes\/|resources\/|examples\/)/.test(p) && !['README.md', 'CHANGELOG.md', 'LICENSE', 'package.json'].includes(p));
    assert.deepEqual(stray, []);
    for (const type of declaredTypes) {
      for (const f of [`dist/nodes/${type}.js`, `dist/nodes/${type}.html`, `dist/nodes/locales/en-US/${type}.json`, `dist/nodes/locales/en-US/${type}.html`]) {
        assert.ok(paths.includes(f), `${f} is packed`);
      }
    }
    for (const file of fs.readdirSync(path.join(ROOT, 'nodes', 'icons'))) assert.ok(paths.includes(`dist/nodes/icons/${file}`), `${file} is packed`);
    assert.ok(paths.includes('dist/nodes/icons/plex-butler-playback.svg'));
    assert.ok(paths.includes('resources/plex-butler-editor.js'));
    for (const file of exampleFiles) assert.ok(paths.includes(path.relative(ROOT, file)), `${file} is packed`);
    for (const f of ['README.md', 'CHANGELOG.md', 'LICENSE', 'package.json']) assert.ok(paths.includes(f), f);
  });
});
