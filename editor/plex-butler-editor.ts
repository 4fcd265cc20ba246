// Editor code shared by the plex-butler editor definitions and dialogs, served by Node-RED at
// resources/node-red-contrib-plex-butler/plex-butler-editor.js. Every nodes/*.html that uses it
// loads it with a <script src> of its own: the editor appends a node set's definitions only after
// that set's scripts have loaded, but it loads the sets of a module installed or enabled from the
// palette manager side by side, in no set order. So this script runs once per node set: the first
// run defines PlexButlerEditor and adds the style; a later run finds them and changes nothing (see
// keepFirstDefinitions at the end). A type's own editor code is in editor/<type>.ts, in the same
// namespace.

interface Window {
    PlexButlerEditor: typeof PlexButlerEditor;
}

namespace PlexButlerEditor {
    /** A Butler task as the plex-butler/tasks route lists it; a known name alone has an empty title. */
    export interface ButlerTask {
        name: string;
        title: string;
        description?: string;
        /** days between runs */
        interval?: number;
        enabled?: boolean;
    }

    /** The names offered while the server's list is out of reach. */
    export const KNOWN_TASKS: readonly string[] = [
        'AutomaticUpdates', 'BackupDatabase', 'BuildGracenoteCollections', 'ButlerTaskGenerateAdMarkers',
        'ButlerTaskGenerateCreditsMarkers', 'ButlerTaskGenerateIntroMarkers', 'ButlerTaskGenerateVoiceActivity',
        'CheckForUpdates', 'CleanOldBundles', 'CleanOldCacheFiles', 'DeepMediaAnalysis', 'GarbageCollectBlobs',
        'GarbageCollectLibraryMedia', 'GenerateAutoTags', 'GenerateBlurHashes', 'GenerateChapterThumbs',
        'GenerateMediaIndexFiles', 'LoudnessAnalysis', 'MusicAnalysis', 'OptimizeDatabase', 'RefreshEpgGuides',
        'RefreshLibraries', 'RefreshLocalMedia', 'RefreshPeriodicMetadata', 'UpgradeMediaAnalysis'
    ];
    // The runtime's rule (lib/common/validate.ts), exported to the editor as a node setting.
    export const TASK_NAME = new RegExp(RED.settings.plexButlerServerTaskName);
    export const URL_RE = /^(https?:\/\/)?(\[[0-9a-f:.]+\]|[^\s/?#@:[\]]+)(:\d{1,5})?(\/[^\s?#]*)?$/i;

    const STYLE = '.plex-butler-state[data-state="ok"]{color:var(--red-ui-text-color-success,#3a7f3a)}' +
        '.plex-butler-state[data-state="error"]{color:var(--red-ui-text-color-error,#b52b2b)}' +
        '.plex-butler-state[data-state="warning"]{color:var(--red-ui-text-color-warning,#a66a00)}' +
        '.plex-butler-task-item code{margin-left:6px;font-size:0.9em}' +
        '.plex-butler-task-title{font-weight:bold}' +
        '.plex-butler-source{margin-top:6px;font-size:0.9em;opacity:0.85}' +
        '.plex-butler-task-desc{font-size:0.85em;opacity:0.8;white-space:normal}' +
        // One dropdown arrow on the task field: our menu button, not also the browser's datalist arrow.
        'input[list$="-tasklist"]::-webkit-calendar-picker-indicator{display:none!important}';
    const STYLE_ID = 'plex-butler-editor-style';

    /** POSTs `body` as JSON to an admin route of this package; the promise gets the JSON reply. */
    export function post<Reply = unknown>(path: string, body: object): JQuery.jqXHR<Reply> {
        return $.ajax({
            url: path, type: 'POST', contentType: 'application/json', dataType: 'json',
            data: JSON.stringify(body), timeout: 20000
        });
    }

    /** What the admin routes need to reach the server a config node describes. */
    export interface ServerBody {
        id: string;
        url?: string;
        timeout?: number;
        verifyTls?: boolean;
        token?: string;
    }

    // A token typed in this editor session (not yet deployed) is sent; otherwise the runtime
    // uses the stored one, and only for the deployed URL.
    export function serverBody(id: string): ServerBody {
        const cfg = RED.nodes.node(id);
        const body: ServerBody = { id };
        if (cfg) {
            body.url = cfg.url || '';
            body.timeout = Number(cfg.timeout) || 10000;
            body.verifyTls = cfg.verifyTls !== false;
            const typed = cfg.credentials && cfg.credentials.token;
            if (typed && typed !== '__PWRD__') { body.token = typed; }
        }
        return body;
    }

    /** What a failed admin request says: its HTTP status, or `noAnswer` when none came. */
    export function failure(xhr: { status?: number; statusText?: string } | null | undefined, noAnswer: string): string {
        return xhr && xhr.status ? xhr.status + ' ' + (xhr.statusText || '') : noAnswer;
    }

    /** The known names as a task list, without titles. */
    export function knownTasks(): ButlerTask[] {
        return KNOWN_TASKS.map((name) => ({ name, title: '', description: '' }));
    }

    /** Trims the dialog inputs of these properties before the editor reads them. */
    export function trimInputs(...properties: string[]): void {
        for (const property of properties) {
            const input = $('#node-input-' + property);
            input.val(String(input.val() || '').trim());
        }
    }

    // ---- validators of the definitions' defaults

    /** What a `validate` gets besides the value. */
    export interface ValidateOptions {
        label?: string;
    }

    /**
     * A `validate` of a node property: true when ok(v), else the message `key` of the type's
     * catalog. It declares the editor's second argument: the editor shows the message of a
     * validator that takes two arguments only, and takes any other's text for true.
     */
    export function validator(type: string, key: string, ok: (v: unknown) => boolean): (v: unknown, options?: ValidateOptions) => true | string {
        return (v, _options) => (ok(v) ? true : RED.nodes.getType(type)._(type + '.' + key));
    }

    /** Not set: the property is undefined or an empty text. */
    export function isUnset(v: unknown): boolean {
        return v === undefined || String(v).trim() === '';
    }

    /** A whole number from min to max, blanks around it allowed. */
    export function isWholeNumber(v: unknown, min: number, max: number): boolean {
        return /^\s*\d+\s*$/.test(String(v)) && Number(v) >= min && Number(v) <= max;
    }

    /** The task of plex-butler-start/stop: empty (the msg names it) or a name by the runtime's rule. */
    export function taskValidator(type: string): ReturnType<typeof validator> {
        return validator(type, 'errors.task', (v) => {
            const text = String(v || '').trim();
            return text === '' || TASK_NAME.test(text);
        });
    }

    /** idleGrace of plex-butler-start/all: empty or 0 to 3600 seconds. */
    export function graceValidator(type: string): ReturnType<typeof validator> {
        return validator(type, 'errors.grace', (v) => {
            const n = Number(v);
            return v === undefined || v === '' || (Number.isFinite(n) && n >= 0 && n <= 3600);
        });
    }

    // ---- what the definitions share

    /** The grace row of plex-butler-start/all shows only while "Only when idle" is ticked. */
    export function graceRow(): void {
        const grace = $('.plex-butler-grace-row');
        $('#node-input-onlyWhenIdle').on('change', function () { grace.toggle($(this).is(':checked')); });
    }

    /** The shared part of a flow node's definition (the node, not its type, is `this`). */
    export interface FlowNodeDefinition {
        paletteLabel(this: EditorNode): string;
        label(this: EditorNode): string;
        labelStyle(this: EditorNode): string;
        outputLabels(this: EditorNode, port: number): string;
        inputLabels?(this: EditorNode): string;
        oneditprepare?(this: EditorNode): void;
        oneditsave?(this: EditorNode): void;
    }

    /**
     * What the editor definitions of the flow nodes share, from the type's catalog: palette label,
     * node label (its name, else label.node), italic when named, input port (options.input: its
     * catalog key, 'label.input' unless given; false: no input port), outputs result and error.
     * The definition literal in nodes/<type>.html takes it as its prototype (`__proto__:`; the flow
     * library's parser fails on a spread): the flow library reads category, color, icon, inputs,
     * outputs and defaults from that literal, so they stay there; a property written there wins.
     */
    export function flowNode(type: string, options?: { input?: string | false }): FlowNodeDefinition {
        const input = options && options.input !== undefined ? options.input : 'label.input';
        const definition: FlowNodeDefinition = {
            paletteLabel() { return this._(type + '.paletteLabel'); },
            label() { return this.name || this._(type + '.label.node'); },
            labelStyle() { return this.name ? 'node_label_italic' : ''; },
            outputLabels(port) { return this._(type + (port === 0 ? '.label.result' : '.label.error')); }
        };
        if (input) { definition.inputLabels = function () { return this._(type + '.' + input); }; }
        return definition;
    }

    /** plex-butler-start/stop as their definitions see them. */
    interface TaskNode extends EditorNode {
        task?: string;
    }

    /**
     * plex-butler-start and plex-butler-stop: labels naming the task, the task field in the dialog,
     * the task trimmed on save. options.idle: the node has onlyWhenIdle/idleGrace (plex-butler-start).
     */
    export function taskNode(type: string, options?: { idle?: boolean }): FlowNodeDefinition {
        const idle = Boolean(options && options.idle);
        const definition = flowNode(type);
        definition.label = function (this: TaskNode) {
            if (this.name) { return this.name; }
            return this.task ? this._(type + '.label.named', { task: this.task }) : this._(type + '.label.node');
        };
        definition.oneditprepare = function () {
            taskField(this, type);
            if (idle) { graceRow(); }
        };
        definition.oneditsave = () => trimInputs('task');
        return definition;
    }

    // ---- the server's task list, as the task field and the settings dialog read it

    /** A dialog's part in reading the task list. */
    export interface TaskListView {
        /** the dialog's catalog, in which `group` holds noServer, loading, loaded and fallback */
        t: Translate;
        group: string;
        /** the fallback's message when Node-RED did not answer */
        noAnswer: string;
        /** the line that says where the list came from (data-state idle, loading, ok or error) */
        source: JQuery;
        /** the reload button: disabled and spinning while the server is asked */
        refresh: JQuery;
        /** shows the server's list; null: there is none, the known names stand in */
        show(tasks: ButlerTask[] | null): void;
    }

    interface TasksReply {
        ok?: boolean;
        tasks?: ButlerTask[];
        message?: string;
    }

    /** One reading of the task list per open dialog. */
    interface TaskListReading {
        view: TaskListView;
        /** the request the list answers, so that an unchanged server is not asked again */
        lastKey: string;
        /** numbers the requests: only the newest answer counts */
        seq: number;
    }

    /**
     * Reads the chosen server's task list for a dialog, the one way both dialogs do: on a change of
     * server (unless it was just asked the same) and on the reload button (asking anyway). Without
     * a server, or when the server gives no list, the known names stand in.
     */
    export function readTaskList(view: TaskListView): void {
        const reading: TaskListReading = { view, lastKey: '', seq: 0 };
        view.refresh.on('click', (evt) => { evt.preventDefault(); loadTaskList(reading, true); });
        $('#node-input-server').on('change', () => loadTaskList(reading, false));
    }

    function setTaskSource(reading: TaskListReading, text: string, state: string): void {
        reading.view.source.text(text).attr('data-state', state);
    }

    function setLoading(reading: TaskListReading, loading: boolean): void {
        reading.view.refresh.prop('disabled', loading).find('i').toggleClass('fa-spin', loading);
    }

    function loadTaskList(reading: TaskListReading, force: boolean): void {
        const id = String($('#node-input-server').val() || '');
        if (!id || id === '_ADD_' || !RED.nodes.node(id)) {
            reading.seq++; // an answer still on its way is for another server
            reading.lastKey = '';
            setLoading(reading, false);
            setTaskSource(reading, reading.view.t(reading.view.group + '.noServer'), 'idle');
            reading.view.show(null);
            return;
        }
        const body = serverBody(id);
        const key = JSON.stringify(body);
        if (key === reading.lastKey && !force) { return; }
        reading.lastKey = key;
        requestTaskList(reading, body);
    }

    /** One request to plex-butler/tasks; an answer overtaken by a newer request is dropped. */
    function requestTaskList(reading: TaskListReading, body: ServerBody): void {
        const mine = ++reading.seq;
        const { t, group, noAnswer, show } = reading.view;
        const answer = (tasks: ButlerTask[] | null, text: string, state: string): void => {
            if (mine !== reading.seq) { return; }
            setLoading(reading, false);
            setTaskSource(reading, text, state);
            show(tasks);
        };
        setTaskSource(reading, t(group + '.loading'), 'loading');
        setLoading(reading, true);
        post<TasksReply>('plex-butler/tasks', body).then((res) => {
            if (res && res.ok && Array.isArray(res.tasks)) {
                answer(res.tasks, t(group + '.loaded', { count: res.tasks.length }), 'ok');
            } else {
                answer(null, t(group + '.fallback', { message: (res && res.message) || '?' }), 'error');
            }
        }, (xhr: JQuery.jqXHR) => answer(null, t(group + '.fallback', { message: failure(xhr, noAnswer) }), 'error'));
    }

    // ---- the task field of plex-butler-start/stop

    // Free text, a datalist for typing, a menu with titles and descriptions, a reload button, and
    // the known names when the server is out of reach. The functions below share one state object
    // per open dialog (see newTaskField).
    interface TaskField {
        t: Translate;
        input: JQuery;
        list: JQuery;
        about: JQuery;
        /** the server's list, or null: the known names stand in */
        tasks: ButlerTask[] | null;
    }

    function newTaskField(node: EditorNode, prefix: string): TaskField {
        return {
            t: (key, substitutions) => node._(prefix + '.' + key, substitutions),
            input: $('#node-input-task'),
            list: $('#' + prefix + '-tasklist'),
            about: $('#' + prefix + '-about'),
            tasks: null
        };
    }

    /** The server's tasks, or the known names without titles when there is no list. */
    function taskOptions(field: TaskField): ButlerTask[] {
        return field.tasks || knownTasks();
    }

    /** The datalist the input offers while typing. */
    function fillTaskList(field: TaskField): void {
        field.list.empty();
        for (const task of taskOptions(field)) {
            $('<option>').attr('value', task.name).attr('label', task.title || field.t('tasks.known')).appendTo(field.list);
        }
    }

    /** The line under the input: what the typed task is, or what is wrong with it. */
    function describeTask(field: TaskField): void {
        const typed = String(field.input.val() || '').trim();
        const about = field.about;
        about.empty().removeAttr('data-state');
        if (!typed) { about.text(field.t('tasks.fromMsg')); return; }
        if (!TASK_NAME.test(typed)) { about.text(field.t('tasks.invalid')).attr('data-state', 'error'); return; }
        const hit = field.tasks && field.tasks.find((task) => task.name === typed);
        if (hit) {
            describeListedTask(field, hit);
        } else if (field.tasks) {
            about.text(field.t('tasks.unlisted', { task: typed })).attr('data-state', 'warning');
        }
    }

    /** A task the server listed: its title, then description, schedule and whether it is disabled. */
    function describeListedTask(field: TaskField, hit: ButlerTask): void {
        $('<strong>').text(hit.title || hit.name).appendTo(field.about);
        const extra = [hit.description];
        if (hit.interval) { extra.push(hit.interval === 1 ? field.t('tasks.daily') : field.t('tasks.every', { count: hit.interval })); }
        if (hit.enabled === false) { extra.push(field.t('tasks.disabled')); }
        field.about.append(document.createTextNode(' — ' + extra.filter(Boolean).join(' · ')));
    }

    /** One entry of the task menu: title (or name), the name beside a title, description. */
    function taskMenuItem(field: TaskField, task: ButlerTask): PopoverMenuOption {
        const label = $('<div>', { class: 'plex-butler-task-item' });
        $('<span>', { class: 'plex-butler-task-title' }).text(task.title || task.name).appendTo(label);
        if (task.title) { $('<code>').text(task.name).appendTo(label); }
        let desc = task.description || (task.title ? '' : field.t('tasks.known'));
        if (task.enabled === false) { desc += (desc ? ' · ' : '') + field.t('tasks.disabled'); }
        $('<div>', { class: 'plex-butler-task-desc' }).text(desc).appendTo(label);
        return { value: task.name, label };
    }

    function showTaskMenu(field: TaskField): void {
        const menu = RED.popover.menu({
            class: 'plex-butler-task-menu',
            width: Math.max(320, field.input.outerWidth() || 0),
            maxHeight: 300,
            options: taskOptions(field).map((task) => taskMenuItem(field, task)),
            onselect: (option) => {
                field.input.val(option.value).trigger('change');
                describeTask(field);
            }
        });
        menu.show({ target: field.input });
    }

    /** Wires the pick and reload buttons, the input and the server select, and shows the known names. */
    export function taskField(node: EditorNode, prefix: string): void {
        const field = newTaskField(node, prefix);
        $('#' + prefix + '-pick').on('click', (evt) => { evt.preventDefault(); showTaskMenu(field); });
        field.input.on('input change', () => describeTask(field));
        readTaskList({
            t: field.t,
            group: 'tasks',
            noAnswer: field.t('tasks.noAnswer'),
            source: $('#' + prefix + '-source'),
            refresh: $('#' + prefix + '-refresh'),
            show: (tasks) => {
                field.tasks = tasks;
                fillTaskList(field);
                describeTask(field);
            }
        });
        fillTaskList(field);
        describeTask(field);
    }

    // ---- loaded once

    /**
     * On the first run in this editor page, adds the style and makes `namespace` keep the first
     * definition of each name: a later run of an editor script assigns its definitions to the
     * proxy, which adds a name not there yet (another editor file's) and leaves a defined one as
     * it is.
     */
    function keepFirstDefinitions(namespace: typeof PlexButlerEditor): void {
        if (document.getElementById(STYLE_ID)) { return; }
        $('<style>', { id: STYLE_ID }).text(STYLE).appendTo('head');
        window.PlexButlerEditor = new Proxy(namespace, {
            set: (target, name, value) => {
                if (!(name in target)) { Reflect.set(target, name, value); }
                return true;
            }
        });
    }

    // Last: every definition of this run is in place.
    keepFirstDefinitions(PlexButlerEditor);
}
