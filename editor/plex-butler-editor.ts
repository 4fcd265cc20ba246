/* eslint-disable */
// @ts-nocheck -- typed in the next commit (issue 19)
// Editor code shared by the plex-butler editor definitions and dialogs, served by Node-RED at
// resources/node-red-contrib-plex-butler/plex-butler-editor.js. Every nodes/*.html that uses it
// loads it with a <script src> of its own: the editor appends a node set's definitions only after
// that set's scripts have loaded, but it loads the sets of a module installed or enabled from the
// palette manager side by side, in no set order. The first load defines PlexButlerEditor; the
// others find it and stop.
(function () {
    if (window.PlexButlerEditor) { return; }
    var KNOWN_TASKS = [
        'AutomaticUpdates', 'BackupDatabase', 'BuildGracenoteCollections', 'ButlerTaskGenerateAdMarkers',
        'ButlerTaskGenerateCreditsMarkers', 'ButlerTaskGenerateIntroMarkers', 'ButlerTaskGenerateVoiceActivity',
        'CheckForUpdates', 'CleanOldBundles', 'CleanOldCacheFiles', 'DeepMediaAnalysis', 'GarbageCollectBlobs',
        'GarbageCollectLibraryMedia', 'GenerateAutoTags', 'GenerateBlurHashes', 'GenerateChapterThumbs',
        'GenerateMediaIndexFiles', 'LoudnessAnalysis', 'MusicAnalysis', 'OptimizeDatabase', 'RefreshEpgGuides',
        'RefreshLibraries', 'RefreshLocalMedia', 'RefreshPeriodicMetadata', 'UpgradeMediaAnalysis'
    ];
    // The runtime's rule (lib/common/validate.ts), exported to the editor as a node setting.
    var TASK_NAME = new RegExp(RED.settings.plexButlerServerTaskName);
    var URL_RE = /^(https?:\/\/)?(\[[0-9a-f:.]+\]|[^\s/?#@:[\]]+)(:\d{1,5})?(\/[^\s?#]*)?$/i;

    $('<style>').text(
        '.plex-butler-state[data-state="ok"]{color:var(--red-ui-text-color-success,#3a7f3a)}' +
        '.plex-butler-state[data-state="error"]{color:var(--red-ui-text-color-error,#b52b2b)}' +
        '.plex-butler-state[data-state="warning"]{color:var(--red-ui-text-color-warning,#a66a00)}' +
        '.plex-butler-task-item code{margin-left:6px;font-size:0.9em}' +
        '.plex-butler-task-title{font-weight:bold}' +
        '.plex-butler-source{margin-top:6px;font-size:0.9em;opacity:0.85}' +
        '.plex-butler-task-desc{font-size:0.85em;opacity:0.8;white-space:normal}' +
        // One dropdown arrow on the task field: our menu button, not also the browser's datalist arrow.
        'input[list$="-tasklist"]::-webkit-calendar-picker-indicator{display:none!important}'
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
    // The functions below share one state object per open dialog (see newTaskField).
    function newTaskField(node, prefix) {
        return {
            t: function (key, opts) { return node._(prefix + '.' + key, opts); },
            input: $('#node-input-task'),
            list: $('#' + prefix + '-tasklist'),
            source: $('#' + prefix + '-source'),
            about: $('#' + prefix + '-about'),
            refresh: $('#' + prefix + '-refresh'),
            tasks: null, // the server's list, or null: the known names stand in
            lastKey: null, // the request the list answers, so that an unchanged server is not asked again
            seq: 0 // numbers the requests: only the newest answer counts
        };
    }

    // The server's tasks, or the known names without titles when there is no list.
    function taskOptions(field) {
        return field.tasks || KNOWN_TASKS.map(function (name) { return { name: name, title: '', description: '' }; });
    }

    // The datalist the input offers while typing.
    function fillTaskList(field) {
        field.list.empty();
        taskOptions(field).forEach(function (task) {
            $('<option>').attr('value', task.name).attr('label', task.title || field.t('tasks.known')).appendTo(field.list);
        });
    }

    function setTaskSource(field, text, kind) {
        field.source.text(text).attr('data-state', kind);
    }

    // The line under the input: what the typed task is, or what is wrong with it.
    function describeTask(field) {
        var v = (field.input.val() || '').trim();
        var about = field.about;
        about.empty().removeAttr('data-state');
        if (!v) { about.text(field.t('tasks.fromMsg')); return; }
        if (!TASK_NAME.test(v)) { about.text(field.t('tasks.invalid')).attr('data-state', 'error'); return; }
        var hit = field.tasks && field.tasks.find(function (task) { return task.name === v; });
        if (hit) {
            describeListedTask(field, hit);
        } else if (field.tasks) {
            about.text(field.t('tasks.unlisted', { task: v })).attr('data-state', 'warning');
        }
    }

    // A task the server listed: its title, then description, schedule and whether it is disabled.
    function describeListedTask(field, hit) {
        $('<strong>').text(hit.title || hit.name).appendTo(field.about);
        var extra = [hit.description];
        if (hit.interval) { extra.push(hit.interval === 1 ? field.t('tasks.daily') : field.t('tasks.every', { count: hit.interval })); }
        if (hit.enabled === false) { extra.push(field.t('tasks.disabled')); }
        field.about.append(document.createTextNode(' — ' + extra.filter(Boolean).join(' · ')));
    }

    // Asks the chosen server for its tasks, unless it was just asked the same (force: ask anyway).
    function loadTasks(field, force) {
        var id = $('#node-input-server').val();
        if (!id || id === '_ADD_' || !RED.nodes.node(id)) {
            field.tasks = null; field.lastKey = null;
            setTaskSource(field, field.t('tasks.noServer'), 'idle');
            fillTaskList(field); describeTask(field);
            return;
        }
        var body = serverBody(id);
        var key = JSON.stringify(body);
        if (key === field.lastKey && !force) { return; }
        field.lastKey = key;
        requestTasks(field, body);
    }

    // One request to plex-butler/tasks; an answer overtaken by a newer request is dropped.
    function requestTasks(field, body) {
        var mine = ++field.seq;
        setTaskSource(field, field.t('tasks.loading'), 'loading');
        field.refresh.prop('disabled', true).find('i').addClass('fa-spin');
        post('plex-butler/tasks', body).then(function (res) {
            if (mine !== field.seq) { return; }
            if (res && res.ok && Array.isArray(res.tasks)) {
                field.tasks = res.tasks;
                setTaskSource(field, field.t('tasks.loaded', { count: field.tasks.length }), 'ok');
            } else {
                field.tasks = null;
                setTaskSource(field, field.t('tasks.fallback', { message: (res && res.message) || '?' }), 'error');
            }
        }, function (xhr) {
            if (mine !== field.seq) { return; }
            field.tasks = null;
            setTaskSource(field, field.t('tasks.fallback', { message: failure(xhr, field.t('tasks.noAnswer')) }), 'error');
        }).always(function () {
            if (mine !== field.seq) { return; }
            field.refresh.prop('disabled', false).find('i').removeClass('fa-spin');
            fillTaskList(field); describeTask(field);
        });
    }

    // One entry of the task menu: title (or name), the name beside a title, description.
    function taskMenuItem(field, task) {
        var label = $('<div>', { class: 'plex-butler-task-item' });
        $('<span>', { class: 'plex-butler-task-title' }).text(task.title || task.name).appendTo(label);
        if (task.title) { $('<code>').text(task.name).appendTo(label); }
        var desc = task.description || (task.title ? '' : field.t('tasks.known'));
        if (task.enabled === false) { desc += (desc ? ' · ' : '') + field.t('tasks.disabled'); }
        $('<div>', { class: 'plex-butler-task-desc' }).text(desc).appendTo(label);
        return { value: task.name, label: label };
    }

    function showTaskMenu(field) {
        var menu = RED.popover.menu({
            class: 'plex-butler-task-menu',
            width: Math.max(320, field.input.outerWidth()),
            maxHeight: 300,
            options: taskOptions(field).map(function (task) { return taskMenuItem(field, task); }),
            onselect: function (opt) {
                field.input.val(opt.value).trigger('change');
                describeTask(field);
            }
        });
        menu.show({ target: field.input });
    }

    // Wires the pick and reload buttons, the input and the server select, and shows the known names.
    function taskField(node, prefix) {
        var field = newTaskField(node, prefix);
        $('#' + prefix + '-pick').on('click', function (evt) { evt.preventDefault(); showTaskMenu(field); });
        field.refresh.on('click', function (evt) { evt.preventDefault(); loadTasks(field, true); });
        field.input.on('input change', function () { describeTask(field); });
        $('#node-input-server').on('change', function () { loadTasks(field, false); });
        fillTaskList(field); describeTask(field);
    }

    // A `validate` of a node property: true when ok(v), else the message `key` of the type's catalog.
    function validator(type, key, ok) {
        return function (v, _opt) {
            return ok(v) ? true : RED.nodes.getType(type)._(type + '.' + key);
        };
    }

    // The task of plex-butler-start/stop: empty (the msg names it) or a name by the runtime's rule.
    function taskValidator(type) {
        return validator(type, 'errors.task', function (v) {
            var text = String(v || '').trim();
            return text === '' || TASK_NAME.test(text);
        });
    }

    // idleGrace of plex-butler-start/all: empty or 0 to 3600 seconds.
    function graceValidator(type) {
        return validator(type, 'errors.grace', function (v) {
            var n = Number(v);
            return v === undefined || v === '' || (Number.isFinite(n) && n >= 0 && n <= 3600);
        });
    }

    // An hour of the maintenance window (plex-butler-settings): empty (keep the server's) or 0 to 23.
    function isHour(v) {
        return v === undefined || v === '' || /^(\d|1\d|2[0-3])$/.test(String(v).trim());
    }

    // Task switches (plex-butler-settings): {TaskName: true|false}, names by the runtime's rule.
    function isTaskSwitches(v) {
        return v === undefined || (typeof v === 'object' && v !== null && !Array.isArray(v) &&
            Object.keys(v).every(function (k) { return TASK_NAME.test(k) && typeof v[k] === 'boolean'; }));
    }

    // The grace row of plex-butler-start/all shows only while "Only when idle" is ticked.
    function graceRow() {
        var grace = $('.plex-butler-grace-row');
        $('#node-input-onlyWhenIdle').on('change', function () { grace.toggle($(this).is(':checked')); });
    }

    // What the editor definitions of the flow nodes share, from the type's catalog: palette label,
    // node label (its name, else label.node), italic when named, input port (options.input: its
    // catalog key, 'label.input' unless given; false: no input port), outputs result and error.
    // The definition literal in nodes/<type>.html takes it as its prototype (`__proto__:`; the flow
    // library's parser fails on a spread): the flow library reads category, color, icon, inputs,
    // outputs and defaults from that literal, so they stay there; a property written there wins.
    function flowNode(type, options) {
        var input = options && options.input !== undefined ? options.input : 'label.input';
        var def = {
            paletteLabel: function () { return this._(type + '.paletteLabel'); },
            label: function () { return this.name || this._(type + '.label.node'); },
            labelStyle: function () { return this.name ? 'node_label_italic' : ''; },
            outputLabels: function (i) { return this._(type + (i === 0 ? '.label.result' : '.label.error')); }
        };
        if (input) { def.inputLabels = function () { return this._(type + '.' + input); }; }
        return def;
    }

    // plex-butler-start and plex-butler-stop: labels naming the task, the task field in the dialog,
    // the task trimmed on save. options.idle: the node has onlyWhenIdle/idleGrace (plex-butler-start).
    function taskNode(type, options) {
        var idle = Boolean(options && options.idle);
        var def = flowNode(type);
        def.label = function () {
            if (this.name) { return this.name; }
            return this.task ? this._(type + '.label.named', { task: this.task }) : this._(type + '.label.node');
        };
        def.oneditprepare = function () {
            taskField(this, type);
            if (idle) { graceRow(); }
        };
        def.oneditsave = function () {
            $('#node-input-task').val(($('#node-input-task').val() || '').trim());
        };
        return def;
    }

    window.PlexButlerEditor = {
        KNOWN_TASKS: KNOWN_TASKS, TASK_NAME: TASK_NAME, URL_RE: URL_RE,
        post: post, serverBody: serverBody, failure: failure, taskField: taskField,
        flowNode: flowNode, taskNode: taskNode, validator: validator, isHour: isHour, isTaskSwitches: isTaskSwitches, taskValidator: taskValidator, graceValidator: graceValidator, graceRow: graceRow
    };
})();

