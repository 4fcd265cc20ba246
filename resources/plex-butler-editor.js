// Editor code shared by the plex-butler dialogs, served by Node-RED at
// resources/node-red-contrib-plex-butler/plex-butler-editor.js and loaded by plex-butler-server.html.
(function () {
    var KNOWN_TASKS = [
        'AutomaticUpdates', 'BackupDatabase', 'BuildGracenoteCollections', 'ButlerTaskGenerateAdMarkers',
        'ButlerTaskGenerateCreditsMarkers', 'ButlerTaskGenerateIntroMarkers', 'ButlerTaskGenerateVoiceActivity',
        'CheckForUpdates', 'CleanOldBundles', 'CleanOldCacheFiles', 'DeepMediaAnalysis', 'GarbageCollectBlobs',
        'GarbageCollectLibraryMedia', 'GenerateAutoTags', 'GenerateBlurHashes', 'GenerateChapterThumbs',
        'GenerateMediaIndexFiles', 'LoudnessAnalysis', 'MusicAnalysis', 'OptimizeDatabase', 'RefreshEpgGuides',
        'RefreshLibraries', 'RefreshLocalMedia', 'RefreshPeriodicMetadata', 'UpgradeMediaAnalysis'
    ];
    // The runtime's rule (lib/validate.ts), exported to the editor as a node setting.
    var TASK_NAME = new RegExp(RED.settings.plexButlerServerTaskName);
    var URL_RE = /^(https?:\/\/)?(\[[0-9a-f:.]+\]|[^\s/?#@:[\]]+)(:\d{1,5})?(\/[^\s?#]*)?$/i;

    $('<style>').text(
        '.plex-butler-state[data-state="ok"]{color:var(--red-ui-text-color-success,#3a7f3a)}' +
        '.plex-butler-state[data-state="error"]{color:var(--red-ui-text-color-error,#b52b2b)}' +
        '.plex-butler-state[data-state="warning"]{color:var(--red-ui-text-color-warning,#a66a00)}' +
        '.plex-butler-task-item code{margin-left:6px;font-size:0.9em}' +
        '.plex-butler-task-title{font-weight:bold}' +
        '.plex-butler-source{margin-top:6px;font-size:0.9em;opacity:0.85}' +
        '.plex-butler-task-desc{font-size:0.85em;opacity:0.8;white-space:normal}'
    ).appendTo('head');

    function post(path, body) {
        return $.ajax({
            url: path, type: 'POST', contentType: 'application/json', dataType: 'json',
            data: JSON.stringify(body), timeout: 20000
        });
    }

    // What the admin endpoints need to reach the server a config node describes.
    // A token typed in this editor session (not yet deployed) is sent; otherwise the runtime
    // uses the stored one, and only for the deployed URL.
    function serverBody(id) {
        var cfg = RED.nodes.node(id);
        var body = { id: id };
        if (cfg) {
            body.url = cfg.url || '';
            body.timeout = Number(cfg.timeout) || 10000;
            body.verifyTls = cfg.verifyTls !== false;
            var typed = cfg.credentials && cfg.credentials.token;
            if (typed && typed !== '__PWRD__') { body.token = typed; }
        }
        return body;
    }

    function failure(xhr, noAnswer) {
        return xhr && xhr.status ? xhr.status + ' ' + (xhr.statusText || '') : noAnswer;
    }

    // The task field of plex-butler-start/stop: free text, a datalist for typing, a menu with
    // titles and descriptions, a reload button, and the known names when the server is out of reach.
    function taskField(node, prefix) {
        var t = function (key, opts) { return node._(prefix + '.' + key, opts); };
        var input = $('#node-input-task');
        var list = $('#' + prefix + '-tasklist');
        var source = $('#' + prefix + '-source');
        var about = $('#' + prefix + '-about');
        var refresh = $('#' + prefix + '-refresh');
        var tasks = null;
        var lastKey = null;
        var seq = 0;

        function options() {
            return tasks || KNOWN_TASKS.map(function (name) { return { name: name, title: '', description: '' }; });
        }
        function fill() {
            list.empty();
            options().forEach(function (task) {
                $('<option>').attr('value', task.name).attr('label', task.title || t('tasks.known')).appendTo(list);
            });
        }
        function setSource(text, kind) {
            source.text(text).attr('data-state', kind);
        }
        function describe() {
            var v = (input.val() || '').trim();
            about.empty().removeAttr('data-state');
            if (!v) { about.text(t('tasks.fromMsg')); return; }
            if (!TASK_NAME.test(v)) { about.text(t('tasks.invalid')).attr('data-state', 'error'); return; }
            var hit = tasks && tasks.find(function (task) { return task.name === v; });
            if (hit) {
                $('<strong>').text(hit.title || hit.name).appendTo(about);
                var extra = [hit.description];
                if (hit.interval) { extra.push(hit.interval === 1 ? t('tasks.daily') : t('tasks.every', { count: hit.interval })); }
                if (hit.enabled === false) { extra.push(t('tasks.disabled')); }
                about.append(document.createTextNode(' — ' + extra.filter(Boolean).join(' · ')));
            } else if (tasks) {
                about.text(t('tasks.unlisted', { task: v })).attr('data-state', 'warning');
            }
        }
        function load(force) {
            var id = $('#node-input-server').val();
            if (!id || id === '_ADD_' || !RED.nodes.node(id)) {
                tasks = null; lastKey = null;
                setSource(t('tasks.noServer'), 'idle');
                fill(); describe();
                return;
            }
            var body = serverBody(id);
            var key = JSON.stringify(body);
            if (key === lastKey && !force) { return; }
            lastKey = key;
            var mine = ++seq;
            setSource(t('tasks.loading'), 'loading');
            refresh.prop('disabled', true).find('i').addClass('fa-spin');
            post('plex-butler/tasks', body).then(function (res) {
                if (mine !== seq) { return; }
                if (res && res.ok && Array.isArray(res.tasks)) {
                    tasks = res.tasks;
                    setSource(t('tasks.loaded', { count: tasks.length }), 'ok');
                } else {
                    tasks = null;
                    setSource(t('tasks.fallback', { message: (res && res.message) || '?' }), 'error');
                }
            }, function (xhr) {
                if (mine !== seq) { return; }
                tasks = null;
                setSource(t('tasks.fallback', { message: failure(xhr, t('tasks.noAnswer')) }), 'error');
            }).always(function () {
                if (mine !== seq) { return; }
                refresh.prop('disabled', false).find('i').removeClass('fa-spin');
                fill(); describe();
            });
        }
        function showMenu() {
            var items = options().map(function (task) {
                var label = $('<div>', { class: 'plex-butler-task-item' });
                $('<span>', { class: 'plex-butler-task-title' }).text(task.title || task.name).appendTo(label);
                if (task.title) { $('<code>').text(task.name).appendTo(label); }
                var desc = task.description || (task.title ? '' : t('tasks.known'));
                if (task.enabled === false) { desc += (desc ? ' · ' : '') + t('tasks.disabled'); }
                $('<div>', { class: 'plex-butler-task-desc' }).text(desc).appendTo(label);
                return { value: task.name, label: label };
            });
            var menu = RED.popover.menu({
                class: 'plex-butler-task-menu',
                width: Math.max(320, input.outerWidth()),
                maxHeight: 300,
                options: items,
                onselect: function (opt) {
                    input.val(opt.value).trigger('change');
                    describe();
                }
            });
            menu.show({ target: input });
        }

        $('#' + prefix + '-pick').on('click', function (evt) { evt.preventDefault(); showMenu(); });
        refresh.on('click', function (evt) { evt.preventDefault(); load(true); });
        input.on('input change', describe);
        $('#node-input-server').on('change', function () { load(false); });
        fill(); describe();
    }

    window.PlexButlerEditor = {
        KNOWN_TASKS: KNOWN_TASKS, TASK_NAME: TASK_NAME, URL_RE: URL_RE,
        post: post, serverBody: serverBody, failure: failure, taskField: taskField
    };
})();

