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

    function attach(node) {
        var helper = window.PlexButlerEditor;
        var t = function (key, opts) { return node._('plex-butler-server.setup.' + key, opts); };
        var state = $('#node-config-plex-butler-setup-state');
        var choices = $('#node-config-plex-butler-choices');
        var link = $('#node-config-plex-butler-authlink');
        var cancelButton = $('#node-config-plex-butler-cancel');
        var buttons = $('#node-config-plex-butler-signin, #node-config-plex-butler-find');
        var run = null; // the sign-in in progress: { handle, popup, timer, closedAt }

        function say(text, kind) { state.text(text).attr('data-state', kind || 'loading'); }
        function busy(on) {
            buttons.prop('disabled', on);
            cancelButton.toggle(on);
        }

        function finish(text, kind) {
            if (run) {
                window.clearTimeout(run.timer);
                if (run.popup && !run.popup.closed) { try { run.popup.close(); } catch { /* gone */ } }
            }
            run = null;
            link.hide();
            busy(false);
            if (text !== undefined) { say(text, kind); }
        }

        function cancel(text) {
            var handle = run && run.handle;
            finish(text, 'warning');
            if (handle) { helper.post('plex-butler/signin/cancel', { handle: handle }); }
        }

        function fill(url, token) {
            $('#node-config-input-url').val(url).trigger('change');
            if (token) { $('#node-config-input-token').val(token).trigger('change'); }
            $('#node-config-plex-butler-test').trigger('click');
        }

        function connectionButton(server, c) {
            var b = $('<button type="button" class="red-ui-button plex-butler-conn">')
                .attr('data-reachable', c.refused ? 'refused' : String(c.reachable)).attr('data-uri', c.uri);
            $('<code>').text(c.uri).appendTo(b);
            var where = c.relay ? t('relay') : c.local ? t('local') : t('remote');
            var how = c.reachable && !c.refused ? t('reachable', { ms: c.ms }) : c.refused ? t('refused') : t('unreachable', { message: c.message || c.code || '?' });
            $('<span class="plex-butler-conn-state">').text(where + ' · ' + how).appendTo(b);
            if (!server.owned) { b.prop('disabled', true); }
            b.on('click', function (evt) {
                evt.preventDefault();
                say(t('picked', { name: server.name }), 'ok');
                fill(c.uri, server.token);
            });
            return b;
        }

        function showServers(servers) {
            choices.empty().attr('data-kind', 'signin');
            if (!servers.length) { say(t('noServers'), 'warning'); return; }
            servers.forEach(function (s) {
                var box = $('<div class="plex-butler-server-choice">').attr('data-owned', String(s.owned)).appendTo(choices);
                $('<span class="plex-butler-server-name">').text(s.name).appendTo(box);
                $('<span class="plex-butler-badge">').text(s.version || '?').appendTo(box);
                $('<span class="plex-butler-badge">').text(s.owned ? t('owned') : t('shared')).appendTo(box);
                if (!s.owned) { $('<div class="plex-butler-task-desc">').text(t('sharedNote')).appendTo(box); }
                s.connections.forEach(function (c) { box.append(connectionButton(s, c)); });
            });
            say(t('pick', { count: servers.length }), 'ok');
        }

        function poll() {
            var mine = run;
            if (!mine) { return; }
            if (mine.popup && mine.popup.closed && !mine.closedAt) { mine.closedAt = Date.now(); }
            if (mine.closedAt && Date.now() - mine.closedAt > CLOSED_GRACE_MS) { cancel(t('closed')); return; }
            helper.post('plex-butler/signin/status', { handle: mine.handle }).then(function (res) {
                if (run !== mine) { return; }
                if (res && res.ok && res.state === 'done') {
                    finish();
                    showServers(res.servers || []);
                    return;
                }
                if (!res || !res.ok) { finish(t('failed', { message: (res && res.message) || '?' }), 'error'); return; }
                say(res.state === 'listing' ? t('listing') : res.warning ? t('waitingWarn', { message: res.warning }) : t('waiting'),
                    res.warning ? 'warning' : 'loading');
                mine.timer = window.setTimeout(poll, POLL_MS);
            }, function (xhr) {
                if (run !== mine) { return; }
                say(t('noAnswer', { status: helper.failure(xhr, '-') }), 'warning');
                mine.timer = window.setTimeout(poll, POLL_MS * 2);
            });
        }

        function signIn(evt) {
            evt.preventDefault();
            // Opened during the click, so that popup blockers let it through; the address follows.
            var popup = window.open('', 'plexButlerSignIn', 'width=600,height=720');
            choices.empty();
            busy(true);
            say(t('starting'));
            helper.post('plex-butler/signin', {}).then(function (res) {
                if (!res || !res.ok) {
                    if (popup) { popup.close(); }
                    finish(t('failed', { message: (res && res.message) || '?' }), 'error');
                    return;
                }
                run = { handle: res.handle, popup: popup, timer: null, closedAt: 0 };
                link.attr('href', res.authUrl).show();
                if (popup) { popup.location.href = res.authUrl; } else { say(t('blocked'), 'warning'); }
                run.timer = window.setTimeout(poll, POLL_MS);
                if (popup) { say(t('waiting')); }
            }, function (xhr) {
                if (popup) { popup.close(); }
                finish(t('noAnswer', { status: helper.failure(xhr, '-') }), 'error');
            });
        }

        function findServers(evt) {
            evt.preventDefault();
            choices.empty().attr('data-kind', 'gdm');
            busy(true);
            cancelButton.hide();
            say(t('searching'));
            helper.post('plex-butler/discover', {}).then(function (res) {
                if (!res || !res.ok) { finish(t('failed', { message: (res && res.message) || '?' }), 'error'); return; }
                finish(res.servers.length ? t('found', { count: res.servers.length }) : t('noneFound'), res.servers.length ? 'ok' : 'warning');
                res.servers.forEach(function (s) {
                    var b = $('<button type="button" class="red-ui-button plex-butler-conn">').attr('data-uri', s.url).appendTo(choices);
                    $('<span class="plex-butler-server-name">').text(s.name).appendTo(b);
                    $('<span class="plex-butler-badge">').text(s.version || '?').appendTo(b);
                    $('<div>').append($('<code>').text(s.url)).appendTo(b);
                    b.on('click', function (e) {
                        e.preventDefault();
                        say(t('pickedUrl', { name: s.name }), 'ok');
                        $('#node-config-input-url').val(s.url).trigger('change');
                    });
                });
            }, function (xhr) {
                finish(t('noAnswer', { status: helper.failure(xhr, '-') }), 'error');
            });
        }

        $('#node-config-plex-butler-signin').on('click', signIn);
        $('#node-config-plex-butler-find').on('click', findServers);
        cancelButton.on('click', function (evt) { evt.preventDefault(); cancel(t('cancelled')); }).hide();
        link.hide();
        return { stop: function () { if (run) { cancel(); } } };
    }

    window.PlexButlerSignIn = { attach: attach };
})();
