/* eslint-disable */
// @ts-nocheck -- typed in the next commit (issue 19)
// "Sign in with Plex" and "Find servers" in the plex-butler-server dialog. Served by Node-RED at
// resources/node-red-contrib-plex-butler/plex-butler-signin.js; needs plex-butler-editor.js.
(function () {
    var POLL_MS = 1000;
    // After the popup closed, a click on Allow may still be on its way through plex.tv.
    var CLOSED_GRACE_MS = 4000;

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

    // The functions below share one state object per open server dialog (see newPanel):
    // its elements, and the sign-in in progress, if any.
    function newPanel(node) {
        return {
            helper: window.PlexButlerEditor,
            t: function (key, opts) { return node._('plex-butler-server.setup.' + key, opts); },
            status: $('#node-config-plex-butler-setup-state'),
            choices: $('#node-config-plex-butler-choices'),
            link: $('#node-config-plex-butler-authlink'),
            cancelButton: $('#node-config-plex-butler-cancel'),
            buttons: $('#node-config-plex-butler-signin, #node-config-plex-butler-find'),
            // The sign-in in progress, from the click on: { request, handle, popup, timer, closedAt }.
            // While the PIN is being created, request is the pending call and handle is null.
            run: null
        };
    }

    function say(panel, text, kind) { panel.status.text(text).attr('data-state', kind || 'loading'); }

    function setBusy(panel, on) {
        panel.buttons.prop('disabled', on);
        panel.cancelButton.toggle(on);
    }

    // Ends the sign-in in progress (its pending start, poll timer and popup) or the search, and says
    // text if given. panel.run is cleared first: the aborted call's callbacks then see it is over.
    function finish(panel, text, kind) {
        var run = panel.run;
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
    function cancelSignIn(panel, text) {
        var handle = panel.run && panel.run.handle;
        finish(panel, text, 'warning');
        if (handle) { panel.helper.post('plex-butler/signin/cancel', { handle: handle }); }
    }

    // Puts a chosen connection into the dialog and tests it.
    function fillServer(url, token) {
        $('#node-config-input-url').val(url).trigger('change');
        if (token) { $('#node-config-input-token').val(token).trigger('change'); }
        $('#node-config-plex-butler-test').trigger('click');
    }

    // One connection of a server from plex.tv: its address, where it is and whether it answered.
    function connectionButton(panel, server, c) {
        var t = panel.t;
        var b = $('<button type="button" class="red-ui-button plex-butler-conn">')
            .attr('data-reachable', c.refused ? 'refused' : String(c.reachable)).attr('data-uri', c.uri);
        $('<code>').text(c.uri).appendTo(b);
        var where = c.relay ? t('relay') : c.local ? t('local') : t('remote');
        var how = c.reachable && !c.refused ? t('reachable', { ms: c.ms }) : c.refused ? t('refused') : t('unreachable', { message: c.message || c.code || '?' });
        $('<span class="plex-butler-conn-state">').text(where + ' · ' + how).appendTo(b);
        if (!server.owned) { b.prop('disabled', true); }
        b.on('click', function (evt) {
            evt.preventDefault();
            say(panel, t('picked', { name: server.name }), 'ok');
            fillServer(c.uri, server.token);
        });
        return b;
    }

    // The servers the signed-in account can use, each with its connections.
    function showServers(panel, servers) {
        var t = panel.t;
        panel.choices.empty().attr('data-kind', 'signin');
        if (!servers.length) { say(panel, t('noServers'), 'warning'); return; }
        servers.forEach(function (s) {
            var box = $('<div class="plex-butler-server-choice">').attr('data-owned', String(s.owned)).appendTo(panel.choices);
            $('<span class="plex-butler-server-name">').text(s.name).appendTo(box);
            $('<span class="plex-butler-badge">').text(s.version || '?').appendTo(box);
            $('<span class="plex-butler-badge">').text(s.owned ? t('owned') : t('shared')).appendTo(box);
            if (!s.owned) { $('<div class="plex-butler-task-desc">').text(t('sharedNote')).appendTo(box); }
            s.connections.forEach(function (c) { box.append(connectionButton(panel, s, c)); });
        });
        say(panel, t('pick', { count: servers.length }), 'ok');
    }

    function schedulePoll(panel, run, ms) {
        run.timer = window.setTimeout(function () { pollSignIn(panel); }, ms);
    }

    // Asks the runtime how the sign-in in progress stands; gives up a while after the popup closed.
    function pollSignIn(panel) {
        var mine = panel.run;
        if (!mine) { return; }
        if (mine.popup && mine.popup.closed && !mine.closedAt) { mine.closedAt = Date.now(); }
        if (mine.closedAt && Date.now() - mine.closedAt > CLOSED_GRACE_MS) { cancelSignIn(panel, panel.t('closed')); return; }
        panel.helper.post('plex-butler/signin/status', { handle: mine.handle }).then(function (res) {
            if (panel.run === mine) { onSignInStatus(panel, mine, res); }
        }, function (xhr) {
            if (panel.run !== mine) { return; }
            say(panel, panel.t('noAnswer', { status: panel.helper.failure(xhr, '-') }), 'warning');
            schedulePoll(panel, mine, POLL_MS * 2);
        });
    }

    // A status answer for the sign-in still in progress: done (show the servers), failed, or waiting.
    function onSignInStatus(panel, mine, res) {
        var t = panel.t;
        if (res && res.ok && res.state === 'done') {
            finish(panel);
            showServers(panel, res.servers || []);
            return;
        }
        if (!res || !res.ok) { finish(panel, t('failed', { message: (res && res.message) || '?' }), 'error'); return; }
        say(panel, res.state === 'listing' ? t('listing') : res.warning ? t('waitingWarn', { message: res.warning }) : t('waiting'),
            res.warning ? 'warning' : 'loading');
        schedulePoll(panel, mine, POLL_MS);
    }

    // "Sign in with Plex": opens the popup, asks the runtime for a PIN, then polls. The sign-in is
    // in progress from the click on, so Cancel and closing the dialog end it in every phase.
    function signIn(panel, evt) {
        evt.preventDefault();
        // Opened during the click, so that popup blockers let it through; the address follows.
        var popup = window.open('', 'plexButlerSignIn', 'width=600,height=720');
        panel.choices.empty();
        setBusy(panel, true);
        say(panel, panel.t('starting'));
        var run = panel.run = { request: null, handle: null, popup: popup, timer: null, closedAt: 0 };
        run.request = panel.helper.post('plex-butler/signin', {});
        run.request.then(function (res) {
            onSignInStarted(panel, run, res);
        }, function (xhr) {
            if (panel.run !== run) { return; } // cancelled: finish() has closed the popup
            finish(panel, panel.t('noAnswer', { status: panel.helper.failure(xhr, '-') }), 'error');
        });
    }

    // The runtime's answer to a sign-in: sends the popup (or the link, if blocked) to plex.tv.
    function onSignInStarted(panel, run, res) {
        var t = panel.t;
        if (panel.run !== run) {
            // Cancelled while the PIN was on its way: the runtime must not keep it.
            if (res && res.ok && res.handle) { panel.helper.post('plex-butler/signin/cancel', { handle: res.handle }); }
            return;
        }
        run.request = null;
        if (!res || !res.ok) {
            finish(panel, t('failed', { message: (res && res.message) || '?' }), 'error');
            return;
        }
        run.handle = res.handle;
        panel.link.attr('href', res.authUrl).show();
        if (run.popup) { run.popup.location.href = res.authUrl; } else { say(panel, t('blocked'), 'warning'); }
        schedulePoll(panel, run, POLL_MS);
        if (run.popup) { say(panel, t('waiting')); }
    }

    // "Find servers": asks the runtime to look on the local network (GDM).
    function findServers(panel, evt) {
        var t = panel.t;
        evt.preventDefault();
        panel.choices.empty().attr('data-kind', 'gdm');
        setBusy(panel, true);
        panel.cancelButton.hide();
        say(panel, t('searching'));
        panel.helper.post('plex-butler/discover', {}).then(function (res) {
            if (!res || !res.ok) { finish(panel, t('failed', { message: (res && res.message) || '?' }), 'error'); return; }
            finish(panel, res.servers.length ? t('found', { count: res.servers.length }) : t('noneFound'), res.servers.length ? 'ok' : 'warning');
            res.servers.forEach(function (s) { discoveredButton(panel, s).appendTo(panel.choices); });
        }, function (xhr) {
            finish(panel, t('noAnswer', { status: panel.helper.failure(xhr, '-') }), 'error');
        });
    }

    // One server found on the local network: a click puts its address into the dialog.
    function discoveredButton(panel, s) {
        var b = $('<button type="button" class="red-ui-button plex-butler-conn">').attr('data-uri', s.url);
        $('<span class="plex-butler-server-name">').text(s.name).appendTo(b);
        $('<span class="plex-butler-badge">').text(s.version || '?').appendTo(b);
        $('<div>').append($('<code>').text(s.url)).appendTo(b);
        b.on('click', function (e) {
            e.preventDefault();
            say(panel, panel.t('pickedUrl', { name: s.name }), 'ok');
            $('#node-config-input-url').val(s.url).trigger('change');
        });
        return b;
    }

    // The stop function of each open server dialog, by node id: Node-RED calls oneditcancel of a
    // config node being added on a stand-in object ({id}), not on the node oneditprepare had.
    var stops = {};

    // Wires the server dialog's buttons; stop() ends a sign-in still in progress when the dialog closes.
    function attach(node) {
        var panel = newPanel(node);
        $('#node-config-plex-butler-signin').on('click', function (evt) { signIn(panel, evt); });
        $('#node-config-plex-butler-find').on('click', function (evt) { findServers(panel, evt); });
        panel.cancelButton.on('click', function (evt) { evt.preventDefault(); cancelSignIn(panel, panel.t('cancelled')); }).hide();
        panel.link.hide();
        var stop = function () { if (panel.run) { cancelSignIn(panel); } };
        stops[node.id] = stop;
        return { stop: stop };
    }

    // Ends the sign-in of the dialog of node `id`, whatever phase it is in (oneditsave, oneditcancel).
    function stopFor(id) {
        var stop = stops[id];
        delete stops[id];
        if (stop) { stop(); }
    }

    window.PlexButlerSignIn = { attach: attach, stop: stopFor };
})();
