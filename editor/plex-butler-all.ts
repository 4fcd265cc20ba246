// The editor code of plex-butler-all (nodes/plex-butler-all.html): its label and the action
// validator. Served by Node-RED at resources/node-red-contrib-plex-butler/plex-butler-all.js;
// uses plex-butler-editor.js.

namespace PlexButlerEditor {
    const ALL_ACTIONS = ['start', 'stop', 'msg'];

    /** plex-butler-all as its definition sees it. */
    interface AllNode extends EditorNode {
        action?: string;
    }

    /** action: start, stop, or msg (the msg says). */
    export function isAllAction(v: unknown): boolean {
        return typeof v === 'string' && ALL_ACTIONS.includes(v);
    }

    /** Its name, else what it does. */
    export function allLabel(this: AllNode): string {
        if (this.name) { return this.name; }
        const action = this.action === 'stop' || this.action === 'msg' ? this.action : 'start';
        return this._('plex-butler-all.label.' + action);
    }
}
