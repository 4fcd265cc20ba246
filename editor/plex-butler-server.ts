// The editor definition of plex-butler-server beyond its literal part: labels, validators, the dialog
// (Test connection and the sign-in panel) and the token check of deployed servers. Served by
// Node-RED at resources/node-red-contrib-plex-butler/plex-butler-server.js. The registerType
// of nodes/plex-butler-server.html calls it; that file also loads what it needs, plex-butler-editor.js
// and plex-butler-signin.js.
/* exported PlexButlerServer -- used by nodes/plex-butler-server.html */
namespace PlexButlerServer {
    const TYPE = 'plex-butler-server';

    /** What the editor holds of a plex-butler-server node, as far as this file reads it. */
    export interface ServerNode extends PlexButlerSignIn.DialogNode {
        readonly type?: string;
        name?: string;
        url?: string;
        /** Changed in this editor session and not deployed yet. */
        changed?: boolean;
        credentials?: { token?: string; has_token?: boolean; _?: { has_token: boolean } };
        /** The nodes that use this server. */
        users?: object[];
        /** Set while the node's dialog is open: the token field itself shows a missing token then. */
        _plexButlerEditing?: boolean;
    }

    // The runtime's answer to plex-butler/test (nodes/server-admin.ts).
    type TestReply = { ok: true; version: string; tasks: number } | { ok: false; message?: string; code?: string };

    /** The result line of Test connection, and the URL and token the shown result was made for. */
    interface TestLine {
        result: JQuery;
        testedFor: string | null;
    }

    export function paletteLabel(node: Pick<ServerNode, '_'>): string {
        return node._('plex-butler-server.paletteLabel');
    }

    /** The node's name, else its URL, else the type's name. */
    export function label(node: ServerNode): string {
        return node.name || node.url || paletteLabel(node);
    }

    /** url: a server address by the runtime's rule. */
    export function isUrl(v: unknown): boolean {
        return PlexButlerEditor.URL_RE.test(String(v || '').trim());
    }

    /** timeout: a whole number of milliseconds above 0. */
    export function isTimeout(v: unknown): boolean {
        const n = Number(v);
        return Number.isInteger(n) && n > 0;
    }

    /** true: a token is stored or typed; false: none; null: not known (deployed, credentials not loaded). */
    function hasToken(node: ServerNode): boolean | null {
        const c = node.credentials;
        if (c && c.token && c.token !== '__PWRD__') { return true; }
        if (c && typeof c.has_token === 'boolean') { return c.has_token; }
        return node.changed ? false : null;
    }

    /**
     * The validate of verifyTls, which also checks the token (see nodes/plex-butler-server.html).
     * Two parameters: Node-RED shows the returned text only from a validator that declares two.
     */
    export function validateToken(this: ServerNode, _v: unknown, _opt: unknown): true | string {
        if (this._plexButlerEditing || hasToken(this) !== false) { return true; }
        const def = RED.nodes.getType(TYPE) as unknown as PlexButlerSignIn.DialogNode;
        return def._('plex-butler-server.errors.token');
    }

    /** oneditprepare: Test connection and the sign-in panel. */
    export function prepare(node: ServerNode): void {
        node._plexButlerEditing = true;
        const line: TestLine = { result: $('#node-config-plex-butler-result'), testedFor: null };
        // A result belongs to the URL and token it was made for: cleared when either changes,
        // and an answer that comes back after they changed is dropped.
        $('#node-config-input-url, #node-config-input-token').on('input change', () => {
            if (line.testedFor !== null && line.testedFor !== typedServer()) {
                line.testedFor = null;
                line.result.removeAttr('data-state').text('');
            }
        });
        PlexButlerSignIn.attach(node);
        $('#node-config-plex-butler-test').on('click', (evt) => {
            evt.preventDefault();
            testConnection(node, line, $(evt.currentTarget));
        });
    }

    /** oneditsave and oneditcancel: the token check applies again, a sign-in still in progress ends. */
    export function close(node: ServerNode): void {
        delete node._plexButlerEditing;
        PlexButlerSignIn.stop(node.id);
    }

    function typedUrl(): string {
        return String($('#node-config-input-url').val() || '').trim();
    }

    function typedToken(): string {
        return String($('#node-config-input-token').val() || '');
    }

    // The URL and token as typed: what a test result is made for.
    function typedServer(): string {
        return typedUrl() + '\n' + typedToken();
    }

    // Test connection: asks the runtime to reach the server as the dialog describes it now.
    function testConnection(node: ServerNode, line: TestLine, button: JQuery): void {
        button.prop('disabled', true);
        const asked = line.testedFor = typedServer();
        line.result.attr('data-state', 'loading').text(node._('plex-butler-server.test.testing'));
        const body = {
            id: node.id,
            url: typedUrl(),
            token: typedToken(),
            timeout: Number($('#node-config-input-timeout').val()) || 10000,
            verifyTls: $('#node-config-input-verifyTls').is(':checked')
        };
        PlexButlerEditor.post('plex-butler/test', body).then((reply) => {
            if (line.testedFor === asked) { showTestReply(node, line.result, reply as TestReply | null); }
        }, (xhr: JQuery.jqXHR) => {
            if (line.testedFor !== asked) { return; }
            line.result.attr('data-state', 'error')
                .text(node._('plex-butler-server.test.http', { status: PlexButlerEditor.failure(xhr, '-') }));
        }).always(() => {
            button.prop('disabled', false);
        });
    }

    function showTestReply(node: ServerNode, result: JQuery, res: TestReply | null): void {
        if (res && res.ok) {
            result.attr('data-state', 'ok')
                .text(node._('plex-butler-server.test.ok', { version: res.version, count: res.tasks }));
        } else {
            result.attr('data-state', 'error').text(node._('plex-butler-server.test.failed', {
                message: (res && res.message) || '?', code: (res && res.code) || '?'
            }));
        }
    }

    /**
     * The editor loads credentials only when a dialog opens: after the flows load and after each
     * deploy, asks for has_token of the deployed servers the way the dialog does, then marks a server
     * without a token (and its users) invalid.
     */
    export function watchDeployedTokens(): void {
        RED.events.on('flows:loaded', checkDeployedTokens);
        RED.events.on('deploy', checkDeployedTokens);
    }

    function checkDeployedTokens(): void {
        RED.nodes.eachConfig((config) => {
            const node = config as ServerNode;
            if (node.type === TYPE && hasToken(node) === null) { askHasToken(node); }
            return true;
        });
    }

    function askHasToken(node: ServerNode): void {
        $.getJSON('credentials/plex-butler-server/' + encodeURIComponent(node.id)).then((data: { has_token?: unknown } | null) => {
            if (!data || node.credentials || hasToken(node) !== null) { return; }
            const has = data.has_token === true;
            node.credentials = { has_token: has, _: { has_token: has } };
            RED.editor.validateNode(node);
            (node.users || []).forEach((user) => { RED.editor.validateNode(user); });
            RED.view.redraw(true);
        });
    }
}
