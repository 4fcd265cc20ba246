// The editor code of plex-butler-settings (nodes/plex-butler-settings.html): its label, validators
// and dialog, where the maintenance window and the task switches are set. Served by Node-RED at
// resources/node-red-contrib-plex-butler/plex-butler-settings.js; uses plex-butler-editor.js.

namespace PlexButlerEditor {
    /** Task switches: {TaskName: true (switch on) | false (switch off)}; a task not named is kept. */
    type TaskSwitches = Record<string, boolean>;

    /** plex-butler-settings as its definition sees it. */
    interface SettingsNode extends EditorNode {
        mode?: string;
        startHour?: string | number | null;
        endHour?: string | number | null;
        tasks?: TaskSwitches;
    }

    /** An hour of the maintenance window: empty (keep the server's) or 0 to 23. */
    export function isHour(v: unknown): boolean {
        return isUnset(v) || /^(\d|1\d|2[0-3])$/.test(String(v).trim());
    }

    /** Task switches: {TaskName: true|false}, names by the runtime's rule. */
    export function isTaskSwitches(v: unknown): boolean {
        return v === undefined || (typeof v === 'object' && v !== null && !Array.isArray(v) &&
            Object.entries(v).every(([name, on]) => TASK_NAME.test(name) && typeof on === 'boolean'));
    }

    /** Its name; else in write mode the window it sets; else the plain label. */
    export function settingsLabel(this: SettingsNode): string {
        if (this.name) { return this.name; }
        const start = this.startHour === undefined || this.startHour === null ? '' : String(this.startHour);
        const end = this.endHour === undefined || this.endHour === null ? '' : String(this.endHour);
        if (this.mode !== 'write' || (start === '' && end === '')) { return this._('plex-butler-settings.label.node'); }
        return this._('plex-butler-settings.label.named', { start: start || '…', end: end || '…' });
    }

    type SwitchChoice = 'keep' | 'on' | 'off';
    const SWITCH_CHOICES: readonly SwitchChoice[] = ['keep', 'on', 'off'];

    function choiceText(node: EditorNode, choice: SwitchChoice): string {
        switch (choice) {
            case 'on': return node._('plex-butler-settings.switch.on');
            case 'off': return node._('plex-butler-settings.switch.off');
            default: return node._('plex-butler-settings.switch.keep');
        }
    }

    /** One open settings dialog: its switch list and the switches set so far. */
    interface SettingsDialog {
        node: SettingsNode;
        list: JQuery;
        chosen: TaskSwitches;
    }

    /** The dialogs open now, so that save reads the switches its prepare drew. */
    const openDialogs = new WeakMap<SettingsNode, SettingsDialog>();

    /** Remembers the switches as they are, so a reload keeps what was set in this dialog. */
    function collectSwitches(dialog: SettingsDialog): TaskSwitches {
        dialog.list.find('select').each(function () {
            const name = String($(this).attr('data-task'));
            const choice = $(this).val();
            if (choice === 'on') { dialog.chosen[name] = true; } else if (choice === 'off') { dialog.chosen[name] = false; } else { delete dialog.chosen[name]; }
        });
        return dialog.chosen;
    }

    /** One row: the task's title (or name), its name, whether it is on now, and the switch. */
    function switchRow(dialog: SettingsDialog, task: ButlerTask): JQuery {
        const { node, chosen } = dialog;
        const row = $('<div>', { class: 'plex-butler-switch' });
        const label = $('<span>', { class: 'plex-butler-switch-name' }).text(task.title || task.name).appendTo(row);
        if (task.title) { $('<code>').text(task.name).appendTo(label); }
        if (task.enabled === true || task.enabled === false) {
            const now = task.enabled ? node._('plex-butler-settings.switch.nowOn') : node._('plex-butler-settings.switch.nowOff');
            $('<span>', { class: 'plex-butler-switch-now' }).text(now).appendTo(label);
        }
        const select = $('<select>', { 'data-task': task.name }).appendTo(row);
        for (const choice of SWITCH_CHOICES) { $('<option>').val(choice).text(choiceText(node, choice)).appendTo(select); }
        select.val(chosen[task.name] === true ? 'on' : chosen[task.name] === false ? 'off' : 'keep');
        return row;
    }

    /** The switch list: these tasks, then the ones switched in this node that the list lacks. */
    function fillSwitches(dialog: SettingsDialog, tasks: ButlerTask[]): void {
        collectSwitches(dialog);
        const listed = new Set(tasks.map((task) => task.name));
        const unlisted = Object.keys(dialog.chosen).filter((name) => !listed.has(name)).map((name) => ({ name, title: '' }));
        dialog.list.empty().append([...tasks, ...unlisted].map((task) => switchRow(dialog, task)));
    }

    function showMode(): void {
        $('.plex-butler-write-row').toggle($('#node-input-mode').val() === 'write');
    }

    function prepare(node: SettingsNode): void {
        const dialog: SettingsDialog = { node, list: $('#plex-butler-settings-tasks'), chosen: { ...node.tasks } };
        readTaskList({
            t: (key, substitutions) => node._(key, substitutions),
            group: 'plex-butler-settings.switch',
            noAnswer: '-',
            source: $('#plex-butler-settings-source'),
            refresh: $('#plex-butler-settings-refresh'),
            show: (tasks) => fillSwitches(dialog, tasks || knownTasks())
        });
        // A node from before the mode existed reads, as it always did.
        if ($('#node-input-mode').val() !== 'write') { $('#node-input-mode').val('read'); }
        $('#node-input-mode').on('change', showMode);
        showMode();
        openDialogs.set(node, dialog);
    }

    function save(node: SettingsNode): void {
        const dialog = openDialogs.get(node);
        openDialogs.delete(node);
        node.tasks = { ...(dialog ? collectSwitches(dialog) : node.tasks) };
        trimInputs('startHour', 'endHour');
    }

    function cancel(node: SettingsNode): void {
        openDialogs.delete(node);
    }

    /** What the dialog's oneditprepare, oneditsave and oneditcancel do with the node. */
    export const settingsDialog = { prepare, save, cancel };
}
