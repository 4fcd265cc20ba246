// The editor code of plex-butler-report (nodes/plex-butler-report.html): its validators. Served by
// Node-RED at resources/node-red-contrib-plex-butler/plex-butler-report.js; uses plex-butler-editor.js.

namespace PlexButlerEditor {
    /** quietAfter: empty (10) or more than 0 up to 1440 minutes. */
    export function isQuietAfter(v: unknown): boolean {
        return v === '' || (Number(v) > 0 && Number(v) <= 1440);
    }

    /** keep: empty (500) or 1 to 100000 runs. */
    export function isKeptRuns(v: unknown): boolean {
        return v === '' || isWholeNumber(v, 1, 100000);
    }
}
