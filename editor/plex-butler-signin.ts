// "Sign in with Plex" and "Find servers" in the plex-butler-server dialog. Served by Node-RED at
// resources/node-red-contrib-plex-butler/plex-butler-signin.js; needs plex-butler-editor.js.
// PlexButlerSignIn.attach(node) wires an open dialog; PlexButlerSignIn.stop(id) ends its sign-in.
/* exported PlexButlerSignIn -- used by editor/plex-butler-server.ts */
namespace PlexButlerSignIn {
    const POLL_MS = 1000;
    // After the popup closed, a click on Allow may still be on its way through plex.tv.
    const CLOSED_GRACE_MS = 4000;

    /** The node of an open server dialog, as far as the panel reads it: its id and its catalog. */
    export interface DialogNode {
        readonly id: string;
        _(key: string, opts?: Record<string, string | number>): string;
    }

    type StateKind = 'loading' | 'ok' | 'warning' | 'error';

    // The runtime's answers (nodes/signin-admin.ts): ok true with the result, or ok false and a message.
    interface Failure { ok: false; message?: string }
    interface Connection { uri: string; local: boolean; relay: boolean; reachable: boolean; refused: boolean; ms: number; code?: string; message?: string }
    interface AccountServer { name: string; version?: string; owned: boolean; token?: string; connections: Connection[] }
    interface FoundServer { name: string; version?: string; url: string }
    type StartReply = { ok: true; handle: string; authUrl: string } | Failure;
    type StatusReply = { ok: true; state: 'waiting' | 'listing' | 'done'; warning?: string; servers?: AccountServer[] } | Failure;
    type DiscoverReply = { ok: true; servers: FoundServer[] } | Failure;

    /** The sign-in in progress, from the click on. While the PIN is being created, request is the pending call and handle is null. */
    interface Run {
        request: { abort(): void } | null;
        handle: string | null;
        popup: Window | null;
        timer: number | undefined;
        closedAt: number;
    }

    /** One open server dialog: its elements, and the sign-in in progress, if any. */
    interface Panel {
        t(key: string, opts?: Record<string, string | number>): string;
        status: JQuery;
        choices: JQuery;
        link: JQuery;
        cancelButton: JQuery;
        buttons: JQuery;
        run: Run | null;
    }

    $('<style>').text(
        '.plex-butler-choices{margin:6px 0 0 104px;max-height:460px;overflow:auto}' +
        '#node-config-plex-butler-setup-state{display:inline-block;max-width:calc(100% - 110px);vertical-align:top}' +
        '.plex-butler-server-choice{border:1px solid var(--red-ui-secondary-border-color,#ddd);border-radius:4px;padding:6px 8px;margin-bottom:6px}' +
        '.plex-butler-server-choice[data-owned="false"]{opacity:0.65}' +
        '.plex-butler-server-name{font-weight:bold}' +
        '.plex-butler-badge{display:inline-block;margin-left:6px;padding:0 6px;border-radius:8px;font-size:0.85em;background:var(--red-ui-tertiary-background,#eee)}' +
        '.red-ui-button.plex-butler-conn{display:block;box-sizing:border-box;width:100%;height:auto;min-height:28px;' +
            'line-height:1.4;padding:4px 8px;text-align:left;margin-top:4px;white-space:normal;overflow-wrap:anywhere}' +
        '.plex-butler-conn code{font-size:0.9em}' +
        '.plex-butler-conn-state{display:block;font-size:0.85em}' +
        '.plex-butler-conn[data-reachable="true"] .plex-butler-conn-state{color:var(--red-ui-text-color-success,#3a7f3a)}' +
        '.plex-butler-conn[data-reachable="false"] .plex-butler-conn-state{color:var(--red-ui-text-color-error,#b52b2b)}' +
        '.plex-butler-conn[data-reachable="refused"] .plex-butler-conn-state{color:var(--red-ui-text-color-warning,#a66a00)}' +
        '.plex-butler-choices:empty{display:none}'
    ).appendTo('head');

    function newPanel(node: DialogNode): Panel {
        return {
            t: (key, opts) => node._('plex-butler-server.setup.' + key, opts),
            status: $('#node-config-plex-butler-setup-state'),
            choices: $('#node-config-plex-butler-choices'),
            link: $('#node-config-plex-butler-authlink'),
            cancelButton: $('#node-config-plex-butler-cancel'),
            buttons: $('#node-config-plex-butler-signin, #node-config-plex-butler-find'),
            run: null
        };
    }

    function say(panel: Panel, text: string, kind?: StateKind): void {
        panel.status.text(text).attr('data-state', kind || 'loading');
    }

    // What a failed answer says, and what a call Node-RED did not answer says.
    function failedText(panel: Panel, reply: Failure | null | undefined): string {
        return panel.t('failed', { message: (reply && reply.message) || '?' });
    }
    function noAnswerText(panel: Panel, xhr: JQuery.jqXHR): string {
        return panel.t('noAnswer', { status: PlexButlerEditor.failure(xhr, '-') });
    }

    function setBusy(panel: Panel, on: boolean): void {
        panel.buttons.prop('disabled', on);
        panel.cancelButton.toggle(on);
    }

    // Ends the sign-in in progress (its pending start, poll timer and popup) or the search, and says
    // text if given. panel.run is cleared first: the aborted call's callbacks then see it is over.
    function finish(panel: Panel, text?: string, kind?: StateKind): void {
        const run = panel.run;
        panel.run = null;
        if (run) {
            if (run.request) { run.request.abort(); }
            window.clearTimeout(run.timer);
            if (run.popup && !run.popup.closed) { try { run.popup.close(); } catch { /* gone */ } }
        }
        panel.link.hide();
        setBusy(panel, false);
        if (text !== undefined) { say(panel, text, kind); }
    }

    // Ends the sign-in in progress and tells the runtime to forget it.
    function cancelSignIn(panel: Panel, text?: string): void {
        const handle = panel.run && panel.run.handle;
        finish(panel, text, 'warning');
        if (handle) { forget(handle); }
    }

    function forget(handle: string): void {
        PlexButlerEditor.post('plex-butler/signin/cancel', { handle: handle });
    }

    // Puts a chosen connection into the dialog and tests it.
    function fillServer(url: string, token: string | undefined): void {
        $('#node-config-input-url').val(url).trigger('change');
        if (token) { $('#node-config-input-token').val(token).trigger('change'); }
        $('#node-config-plex-butler-test').trigger('click');
    }

    // Where a connection is and whether it answered, for its button.
    function connectionState(panel: Panel, c: Connection): string {
        const t = panel.t;
        const where = c.relay ? t('relay') : c.local ? t('local') : t('remote');
        const how = c.reachable && !c.refused ? t('reachable', { ms: c.ms }) : c.refused ? t('refused') : t('unreachable', { message: c.message || c.code || '?' });
        return where + ' · ' + how;
    }

    // One connection of a server from plex.tv: its address, where it is and whether it answered.
    function connectionButton(panel: Panel, server: AccountServer, c: Connection): JQuery {
        const b = $('<button type="button" class="red-ui-button plex-butler-conn">')
            .attr('data-reachable', c.refused ? 'refused' : String(c.reachable)).attr('data-uri', c.uri);
        $('<code>').text(c.uri).appendTo(b);
        $('<span class="plex-butler-conn-state">').text(connectionState(panel, c)).appendTo(b);
        if (!server.owned) { b.prop('disabled', true); }
        b.on('click', (evt) => {
            evt.preventDefault();
            say(panel, panel.t('picked', { name: server.name }), 'ok');
            fillServer(c.uri, server.token);
        });
        return b;
    }

    // A server's name and version, then its badges, into box.
    function serverHeading(box: JQuery, name: string, version: string | undefined): void {
        $('<span class="plex-butler-server-name">').text(name).appendTo(box);
        $('<span class="plex-butler-badge">').text(version || '?').appendTo(box);
    }

    // The servers the signed-in account can use, each with its connections.
    function showServers(panel: Panel, servers: AccountServer[]): void {
        const t = panel.t;
        panel.choices.empty().attr('data-kind', 'signin');
        if (!servers.length) { say(panel, t('noServers'), 'warning'); return; }
        servers.forEach((s) => {
            const box = $('<div class="plex-butler-server-choice">').attr('data-owned', String(s.owned)).appendTo(panel.choices);
            serverHeading(box, s.name, s.version);
            $('<span class="plex-butler-badge">').text(s.owned ? t('owned') : t('shared')).appendTo(box);
            if (!s.owned) { $('<div class="plex-butler-task-desc">').text(t('sharedNote')).appendTo(box); }
            s.connections.forEach((c) => { box.append(connectionButton(panel, s, c)); });
        });
        say(panel, t('pick', { count: servers.length }), 'ok');
    }

    function schedulePoll(panel: Panel, run: Run, ms: number): void {
        run.timer = window.setTimeout(() => { pollSignIn(panel); }, ms);
    }

    // Asks the runtime how the sign-in in progress stands; gives up a while after the popup closed.
    function pollSignIn(panel: Panel): void {
        const mine = panel.run;
        if (!mine) { return; }
        if (mine.popup && mine.popup.closed && !mine.closedAt) { mine.closedAt = Date.now(); }
        if (mine.closedAt && Date.now() - mine.closedAt > CLOSED_GRACE_MS) { cancelSignIn(panel, panel.t('closed')); return; }
        PlexButlerEditor.post('plex-butler/signin/status', { handle: mine.handle }).then((reply) => {
            if (panel.run === mine) { onSignInStatus(panel, mine, reply as StatusReply | null); }
        }, (xhr: JQuery.jqXHR) => {
            if (panel.run !== mine) { return; }
            say(panel, noAnswerText(panel, xhr), 'warning');
            schedulePoll(panel, mine, POLL_MS * 2);
        });
    }

    // A status answer for the sign-in still in progress: done (show the servers), failed, or waiting.
    function onSignInStatus(panel: Panel, mine: Run, res: StatusReply | null): void {
        const t = panel.t;
        if (res && res.ok && res.state === 'done') {
            finish(panel);
            showServers(panel, res.servers || []);
            return;
        }
        if (!res || !res.ok) { finish(panel, failedText(panel, res), 'error'); return; }
        say(panel, res.state === 'listing' ? t('listing') : res.warning ? t('waitingWarn', { message: res.warning }) : t('waiting'),
            res.warning ? 'warning' : 'loading');
        schedulePoll(panel, mine, POLL_MS);
    }

    // "Sign in with Plex": opens the popup, asks the runtime for a PIN, then polls. The sign-in is
    // in progress from the click on, so Cancel and closing the dialog end it in every phase.
    function signIn(panel: Panel, evt: JQuery.TriggeredEvent): void {
        evt.preventDefault();
        // Opened during the click, so that popup blockers let it through; the address follows.
        const popup = window.open('', 'plexButlerSignIn', 'width=600,height=720');
        panel.choices.empty();
        setBusy(panel, true);
        say(panel, panel.t('starting'));
        const request = PlexButlerEditor.post('plex-butler/signin', {});
        const run: Run = panel.run = { request: request, handle: null, popup: popup, timer: undefined, closedAt: 0 };
        request.then((reply) => {
            onSignInStarted(panel, run, reply as StartReply | null);
        }, (xhr: JQuery.jqXHR) => {
            if (panel.run !== run) { return; } // cancelled: finish() has closed the popup
            finish(panel, noAnswerText(panel, xhr), 'error');
        });
    }

    // The runtime's answer to a sign-in: sends the popup (or the link, if blocked) to plex.tv.
    function onSignInStarted(panel: Panel, run: Run, res: StartReply | null): void {
        if (panel.run !== run) {
            // Cancelled while the PIN was on its way: the runtime must not keep it.
            if (res && res.ok && res.handle) { forget(res.handle); }
            return;
        }
        run.request = null;
        if (!res || !res.ok) {
            finish(panel, failedText(panel, res), 'error');
            return;
        }
        run.handle = res.handle;
        panel.link.attr('href', res.authUrl).show();
        if (run.popup) { run.popup.location.href = res.authUrl; } else { say(panel, panel.t('blocked'), 'warning'); }
        schedulePoll(panel, run, POLL_MS);
        if (run.popup) { say(panel, panel.t('waiting')); }
    }

    // "Find servers": asks the runtime to look on the local network (GDM).
    function findServers(panel: Panel, evt: JQuery.TriggeredEvent): void {
        evt.preventDefault();
        panel.choices.empty().attr('data-kind', 'gdm');
        setBusy(panel, true);
        panel.cancelButton.hide();
        say(panel, panel.t('searching'));
        PlexButlerEditor.post('plex-butler/discover', {}).then((reply) => {
            showFound(panel, reply as DiscoverReply | null);
        }, (xhr: JQuery.jqXHR) => {
            finish(panel, noAnswerText(panel, xhr), 'error');
        });
    }

    // The runtime's answer to Find servers: a button for each server found, or what went wrong.
    function showFound(panel: Panel, res: DiscoverReply | null): void {
        const t = panel.t;
        if (!res || !res.ok) { finish(panel, failedText(panel, res), 'error'); return; }
        const count = res.servers.length;
        finish(panel, count ? t('found', { count: count }) : t('noneFound'), count ? 'ok' : 'warning');
        res.servers.forEach((s) => { discoveredButton(panel, s).appendTo(panel.choices); });
    }

    // One server found on the local network: a click puts its address into the dialog.
    function discoveredButton(panel: Panel, s: FoundServer): JQuery {
        const b = $('<button type="button" class="red-ui-button plex-butler-conn">').attr('data-uri', s.url);
        serverHeading(b, s.name, s.version);
        $('<div>').append($('<code>').text(s.url)).appendTo(b);
        b.on('click', (e) => {
            e.preventDefault();
            say(panel, panel.t('pickedUrl', { name: s.name }), 'ok');
            $('#node-config-input-url').val(s.url).trigger('change');
        });
        return b;
    }

    // The stop function of each open server dialog, by node id: Node-RED calls oneditcancel of a
    // config node being added on a stand-in object ({id}), not on the node oneditprepare had.
    const stops = new Map<string, () => void>();

    /** Wires the server dialog's buttons; stop() ends a sign-in still in progress when the dialog closes. */
    export function attach(node: DialogNode): { stop: () => void } {
        const panel = newPanel(node);
        $('#node-config-plex-butler-signin').on('click', (evt) => { signIn(panel, evt); });
        $('#node-config-plex-butler-find').on('click', (evt) => { findServers(panel, evt); });
        panel.cancelButton.on('click', (evt) => { evt.preventDefault(); cancelSignIn(panel, panel.t('cancelled')); }).hide();
        panel.link.hide();
        const stop = (): void => { if (panel.run) { cancelSignIn(panel); } };
        stops.set(node.id, stop);
        return { stop: stop };
    }

    /** Ends the sign-in of the dialog of node `id`, whatever phase it is in (oneditsave, oneditcancel). */
    export function stop(id: string): void {
        const stopDialog = stops.get(id);
        stops.delete(id);
        if (stopDialog) { stopDialog(); }
    }
}
