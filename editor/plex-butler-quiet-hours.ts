// The editor code of plex-butler-quiet-hours (nodes/plex-butler-quiet-hours.html): its validators
// and dialog. Served by Node-RED at resources/node-red-contrib-plex-butler/plex-butler-quiet-hours.js;
// uses plex-butler-editor.js.

namespace PlexButlerEditor {
    /** days: the history to read, 1 to 365 days. */
    export function isHistoryDays(v: unknown): boolean {
        return isWholeNumber(v, 1, 365);
    }

    /** windowHours: empty (the server's window length) or 1 to 23 hours. */
    export function isWindowHours(v: unknown): boolean {
        return isUnset(v) || isWholeNumber(v, 1, 23);
    }

    /** timeZone: empty (Node-RED's zone) or an IANA zone this browser knows. */
    export function isTimeZone(v: unknown): boolean {
        const zone = String(v || '').trim();
        if (zone === '') { return true; }
        try {
            new Intl.DateTimeFormat('en-US', { timeZone: zone });
            return true;
        } catch {
            return false;
        }
    }

    /** minGain: 0 to 100 points. */
    export function isMinGain(v: unknown): boolean {
        return /^\s*\d+(\.\d+)?\s*$/.test(String(v)) && Number(v) <= 100;
    }

    /** The browser's time zone, shown beside the field as an example; empty when it has none. */
    function browserZone(): string {
        try {
            return Intl.DateTimeFormat().resolvedOptions().timeZone || '';
        } catch {
            return '';
        }
    }

    function prepare(node: EditorNode): void {
        $('#node-input-timeZone').attr('placeholder', node._('plex-butler-quiet-hours.placeholder.timeZone'));
        $('#plex-butler-quiet-hours-browser-zone').text(browserZone());
    }

    function save(): void {
        trimInputs('days', 'windowHours', 'timeZone', 'minGain');
    }

    /** The dialog's oneditprepare and oneditsave. */
    export const quietHoursDialog = { prepare, save };
}
